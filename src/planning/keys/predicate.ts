/**
 * The one place that writes "this row is in this range" as SQL, for every key
 * type: jobs interpolate it (`range.where`), and so do the planner's checks.
 * A `<` written by hand where `<=` was meant breaks coverage that the plan has
 * proven; a predicate made here cannot.
 *
 * Bounds are parameters in their text form, left untyped so that Postgres
 * reads them as the key column's type, and compares them with the column's
 * collation (an untyped parameter takes the column's implicit collation).
 *
 * A run of an incremental job adds a visibility filter near its watermark
 * (docs/incremental.md): which rows were committed before a run's snapshot,
 * told by the row's `xmin`, so that a row committed late is folded exactly
 * once, by the one run whose filter lets it in.
 */
import { fragment, type Fragment, type Identifier } from "../../db/sql";
import type { KeyRange, KeyType } from "./key-type";

/** A range as the ledger holds it: its keys, or the NULL range. */
export type StoredRange = KeyRange & { nulls: boolean };

/** The SQL predicate "`key` is in `range`", to interpolate into a query. */
export function inRange(key: Identifier, range: StoredRange): Fragment {
  if (range.nulls) return fragment`${key} IS NULL`;
  return range.endExclusive
    ? fragment`(${key} >= ${range.start} AND ${key} < ${range.end})`
    : fragment`(${key} >= ${range.start} AND ${key} <= ${range.end})`;
}

/**
 * The visibility filter of a run of an incremental job. Transaction ids are
 * full 64-bit ids (`xid8`) as decimal strings: the `xmin` of a snapshot.
 */
export interface ChainFilter {
  /** Keys from `from` up (this run's margin): only rows whose inserting transaction ended before `xmin`, i.e. before this run's snapshot. */
  settle: { from: string; xmin: string } | null;
  /** Keys from the range start to `to` (the base run's margin): only rows the base run left out, whose transaction is not below the base's `xmin`. */
  rescan: { to: string; xmin: string } | null;
}

/**
 * A row's `xmin` as a full 64-bit transaction id. `xmin` is 32 bits and wraps;
 * a row's inserting transaction is less than 2^32 transactions before the
 * reading one (an unfrozen row's is less than 2^31), so it is the newest id
 * at or below the reader's next id with those low 32 bits. Ids 1 and 2 are
 * bootstrap and frozen: older than every snapshot.
 */
const ROW_XID = `(CASE WHEN xmin::text::bigint < 3 THEN 0 ELSE
  (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint)
  - (((SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint) - xmin::text::bigint) % 4294967296 + 4294967296) % 4294967296 END)`;
const rowXid = fragment([ROW_XID]);

/** `range.where` with the chain's visibility filter where the range reaches into a margin. */
export function chainPredicate(keys: KeyType, key: Identifier, range: StoredRange, filter: ChainFilter | null): Fragment {
  const base = inRange(key, range);
  if (!filter || range.nulls) return base;
  const parts: Fragment[] = [base];
  const { settle, rescan } = filter;
  const cmp = (a: string, b: string) => keys.compare(a, b);
  if (settle && (cmp(range.end, settle.from) ?? 0) >= 0) {
    parts.push((cmp(range.start, settle.from) ?? -1) >= 0
      ? fragment`${rowXid} < ${settle.xmin}`
      : fragment`(${key} < ${settle.from} OR ${rowXid} < ${settle.xmin})`);
  }
  if (rescan && (cmp(range.start, rescan.to) ?? 0) <= 0) {
    parts.push((cmp(range.end, rescan.to) ?? 1) <= 0
      ? fragment`${rowXid} >= ${rescan.xmin}`
      : fragment`(${key} > ${rescan.to} OR ${rowXid} >= ${rescan.xmin})`);
  }
  if (parts.length === 1) return base;
  return fragment(["(", ...parts.slice(1).map(() => " AND "), ")"], ...parts);
}
