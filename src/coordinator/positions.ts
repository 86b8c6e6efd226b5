/**
 * A range's place in key order, as text that sorts like the keys. Only
 * Postgres can compare keys of most types (text by collation), so the ledger
 * keeps the order the plan gave instead: planned ranges are numbered in plan
 * order, a split's halves extend their parent's position with `.0` and `.1`,
 * and the NULL range sorts last, as Postgres sorts NULLs.
 *
 * @example [planPos(5), childPos(planPos(5), 1), planPos(6), NULL_POS].sort() // unchanged
 */
export const NULL_POS = "~";

/** Position of the `index`th planned range (a plan holds at most 1,000,000). */
export function planPos(index: number): string {
  return index.toString().padStart(8, "0");
}

/** Position of half `half` (0: lower, 1: upper) of a range at `parent`. */
export function childPos(parent: string, half: 0 | 1): string {
  return `${parent}.${half}`;
}
