/**
 * Uniform split: fixed-width key ranges.
 *
 * Pure bigint arithmetic, so it is exact at the ends of the int8 range. The
 * range count is computed before anything is allocated, so a huge span fails
 * fast with a clear message instead of allocating billions of ranges.
 */

/** An inclusive range of integer keys. */
export interface IntRange {
  start: bigint;
  end: bigint;
}

/** Most ranges one run may hold. */
export const MAX_RANGES = 1_000_000;

/** A plan would hold more than `MAX_RANGES` ranges. */
export class TooManyRanges extends Error {}

/** Number of `width`-key ranges needed to cover `[start, end]`. */
export function uniformCount(start: bigint, end: bigint, width: bigint): bigint {
  if (end < start) return 0n;
  const span = end - start + 1n;
  return (span + width - 1n) / width;
}

/**
 * Cuts `[start, end]` into consecutive inclusive ranges of `width` keys; the
 * last one may be shorter. Every key falls in exactly one range.
 *
 * @example planUniform(1n, 10n, 4n) // [1,4] [5,8] [9,10]
 */
/**
 * The same ranges as `planUniform`, produced one at a time, so a split of a
 * million ranges never holds them all in memory.
 */
export function* uniformRanges(start: bigint, end: bigint, width: bigint): Generator<IntRange> {
  if (width <= 0n) throw new TypeError("width must be positive");
  for (let s = start; s <= end; ) {
    const e = end - s < width ? end : s + width - 1n;
    yield { start: s, end: e };
    s = e + 1n;
  }
}

export function planUniform(start: bigint, end: bigint, width: bigint, cap = MAX_RANGES): IntRange[] {
  if (width <= 0n) throw new TypeError("width must be positive");
  const n = uniformCount(start, end, width);
  if (n > BigInt(cap)) {
    throw new TooManyRanges(`a uniform split makes ${n} ranges, over the cap of ${cap}`);
  }
  const ranges: IntRange[] = [];
  for (let s = start; s <= end; ) {
    const e = end - s < width ? end : s + width - 1n;
    ranges.push({ start: s, end: e });
    s = e + 1n;
  }
  return ranges;
}
