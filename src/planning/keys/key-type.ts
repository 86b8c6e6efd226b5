/**
 * The key-type seam: everything rangemap needs to know about a key column's
 * type to cut it into ranges. Planning, the fold's split and the consumer
 * call these methods; nothing else branches on the key's type (DESIGN
 * invariant 10). Integers are the one implementation today (integer.ts).
 */
import type { Fragment, Identifier, Sql } from "../../db/sql";
import type { OpenSession } from "../sessions";

/** An inclusive range of keys `[start, end]`. */
export interface KeyRange<K> {
  start: K;
  end: K;
}

export type Split = "uniform" | "balanced";

/** Estimated rows per range: the smallest, the median and the largest. */
export interface EstimateSummary {
  min: number;
  median: number;
  max: number;
}

/**
 * A cut of the key window. `ranges` may be produced lazily (a uniform split
 * of a million ranges is never held in memory at once): iterate it once.
 */
export interface SplitPlan<K> {
  count: number;
  ranges: Iterable<KeyRange<K>>;
  estimate: EstimateSummary | null;
}

/** min / median / max of per-range row estimates. */
export function summarize(estimates: readonly number[]): EstimateSummary | null {
  if (!estimates.length) return null;
  const sorted = [...estimates].sort((a, b) => a - b);
  return {
    min: Math.round(sorted[0] ?? 0),
    median: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0),
    max: Math.round(sorted.at(-1) ?? 0),
  };
}

/** Another session of the same database, opened for one piece of work: lets a big plan read with several connections while the planner holds one. */
export type MoreSessions = OpenSession<Sql>;

export interface KeyType<K> {
  /** The key type's name, as errors and docs show it. */
  readonly name: string;
  /** Parses a bound given in a run body; a message saying why when it does not parse. */
  parse(value: unknown): { ok: true; key: K } | { ok: false; message: string };
  /** The lossless text form keys travel in: JSON, the ledger, queue messages. */
  format(key: K): string;
  /** The inverse of `format`. */
  decode(text: string): K;
  compare(a: K, b: K): number;
  /** The values a column of catalog type `pgType` (as `format_type` names it) holds; null when this key type cannot split it. */
  domain(pgType: string): KeyRange<K> | null;
  /** The key's smallest and largest value in the table; null for an empty table. */
  bounds(sql: Sql, table: Identifier, key: Identifier): Promise<KeyRange<K> | null>;
  /** Cuts `window` into ranges that cover it exactly, of about `rowsPerRange` rows (balanced) or keys (uniform); `more` may read in parallel. */
  split(sql: Sql, table: Identifier, key: Identifier, window: KeyRange<K>, rowsPerRange: number, how: Split, more?: MoreSessions): Promise<SplitPlan<K>>;
  /** Two halves that cover `range` exactly, or null when it is too narrow to be worth splitting. */
  halve(range: KeyRange<K>, rowsPerRange: number): [KeyRange<K>, KeyRange<K>] | null;
  /** The SQL predicate "`key` is in `range`", to interpolate into a query. */
  inRange(key: Identifier, range: KeyRange<K>): Fragment;
}
