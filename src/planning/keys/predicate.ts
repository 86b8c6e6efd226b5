/**
 * The one place that writes "this row is in this range" as SQL, for every key
 * type: jobs interpolate it (`range.where`), and so do the planner's checks.
 * A `<` written by hand where `<=` was meant breaks coverage that the plan has
 * proven; a predicate made here cannot.
 *
 * Bounds are parameters in their text form, left untyped so that Postgres
 * reads them as the key column's type, and compares them with the column's
 * collation (an untyped parameter takes the column's implicit collation).
 */
import { fragment, type Fragment, type Identifier } from "../../db/sql";
import type { KeyRange } from "./key-type";

/** A range as the ledger holds it: its keys, or the NULL range. */
export type StoredRange = KeyRange & { nulls: boolean };

/** The SQL predicate "`key` is in `range`", to interpolate into a query. */
export function inRange(key: Identifier, range: StoredRange): Fragment {
  if (range.nulls) return fragment`${key} IS NULL`;
  return range.endExclusive
    ? fragment`(${key} >= ${range.start} AND ${key} < ${range.end})`
    : fragment`(${key} >= ${range.start} AND ${key} <= ${range.end})`;
}
