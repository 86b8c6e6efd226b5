/**
 * Ready-made combiners. Each is associative and commutative, so results can
 * arrive in any order and a partial fold is always valid (DESIGN invariant 7).
 */
import { addDecimal, compareDecimal } from "../lib/decimal";
import type { Combine, Json } from "./define";

/**
 * Exact sum of decimal strings (money). Never a float.
 *
 * @example
 * decimalSum("0.00").merge("1.10", "2.20"); // "3.30"
 * decimalSum("0.00").initial(); // "0.00"
 */
export function decimalSum(zero = "0"): Combine<string> {
  return { describe: `decimalSum(${JSON.stringify(zero)})`, initial: () => zero, merge: (a, b) => addDecimal(a, b) };
}

/**
 * Sum of counts. Counts stay JS numbers: exact up to 2^53 rows.
 *
 * @example
 * count().merge(2, 3); // 5
 * count().merge(2, 0.5); // throws TypeError: counts are integers
 */
export function count(): Combine<number> {
  return {
    describe: "count()",
    initial: () => 0,
    merge: (a, b) => {
      if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) {
        throw new TypeError(`count() merges integers, got ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
      }
      return a + b;
    },
  };
}

/**
 * Smallest decimal or integer value seen, as a decimal string; null when none.
 *
 * @example
 * min().merge("5", "-2"); // "-2"
 * min().merge(null, "7.50"); // "7.50"
 */
export function min(): Combine<string | null> {
  return {
    describe: "min()",
    initial: () => null,
    merge: (a, b) => (a === null ? b : b === null ? a : compareDecimal(a, b) <= 0 ? a : b),
  };
}

/**
 * Largest decimal or integer value seen, as a decimal string; null when none.
 *
 * @example
 * max().merge("5", "-2"); // "5"
 * max().merge("10", "9.99"); // "10"
 */
export function max(): Combine<string | null> {
  return {
    describe: "max()",
    initial: () => null,
    merge: (a, b) => (a === null ? b : b === null ? a : compareDecimal(a, b) >= 0 ? a : b),
  };
}

type Fields<R extends Record<string, Json>> = { [K in keyof R]: Combine<R[K]> };

/**
 * Combines an object result field by field, each field with its own combiner.
 * The result type is read off the combiners: write no type argument.
 *
 * @example
 * const totals = fields({ rows: count(), totalAmount: decimalSum("0.00") });
 * // totals: Combine<{ rows: number; totalAmount: string }>
 * totals.merge({ rows: 2, totalAmount: "1.10" }, { rows: 3, totalAmount: "2.20" });
 * // { rows: 5, totalAmount: "3.30" }
 */
export function fields<R extends Record<string, Json>>(combiners: Fields<R>): Combine<R> {
  const keys = Object.keys(combiners) as Array<keyof R>;
  const parts = Object.entries(combiners as Record<string, Combine<Json>>).map(([k, c]) => `${JSON.stringify(k)}: ${c.describe ?? c.merge.toString()}`);
  return {
    describe: `fields({${parts.join(", ")}})`,
    initial: () => {
      const out = {} as R;
      for (const k of keys) out[k] = combiners[k].initial();
      return out;
    },
    merge: (a, b) => {
      const out = {} as R;
      for (const k of keys) out[k] = combiners[k].merge(a[k], b[k]);
      return out;
    },
  };
}
