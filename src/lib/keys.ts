/**
 * Keys are Postgres `int8` values: `bigint` in code, decimal strings in JSON.
 * They are never a JS `number`, because ids above 2^53 exist.
 */

export const INT8_MIN = -(2n ** 63n);
export const INT8_MAX = 2n ** 63n - 1n;

const INTEGER = /^[+-]?\d+$/;

/**
 * Parses a key given as a decimal string or a safe JSON integer.
 * Returns an error message instead of throwing, for clear 400s.
 */
export function parseKey(value: unknown): bigint | string {
  let key: bigint;
  if (typeof value === "string" && INTEGER.test(value.trim())) {
    key = BigInt(value.trim());
  } else if (typeof value === "number" && Number.isInteger(value)) {
    if (!Number.isSafeInteger(value)) {
      return "is beyond 2^53 as a JSON number and may have lost precision; pass it as a decimal string";
    }
    key = BigInt(value);
  } else {
    return "must be an integer, as a decimal string or a JSON integer";
  }
  if (key < INT8_MIN || key > INT8_MAX) return "is out of the bigint range";
  return key;
}
