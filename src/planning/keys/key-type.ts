/**
 * The key-type seam: everything rangemap needs to know about a key column's
 * type to cut it into ranges. Planning, the fold's split, the API and the
 * consumer call these methods; nothing else branches on the key's type
 * (DESIGN invariant 10).
 *
 * The bounds model, the same for every type (docs/keys.md):
 * - Outside a key type, a key is its lossless text form: JSON, the ledger,
 *   queue messages. Only the job sees a typed key (`forJob`).
 * - A range is `[start, end)` or, for the last range of a window, `[start,
 *   end]`; integer ranges, whose keys have successors, are always written
 *   inclusive. A run's window is `[start, end]` (or `[start, end)` for a
 *   scheduled window), so a run's end bound is pinned, never open.
 * - Rows whose key is NULL get a range of their own (`nulls`).
 * - Every comparison of keys that decides which rows a range holds is done by
 *   Postgres, with the column's type and collation (predicate.ts). A key type
 *   compares in JS only where its order is plain arithmetic (`compare`).
 */
import type { Identifier, Sql } from "../../db/sql";
import type { OpenSession } from "../sessions";

/** The key types a job may declare (`keyType` in defineJob). */
export const KEY_TYPE_NAMES = ["integer", "uuid", "timestamptz", "timestamp", "date", "text", "ctid"] as const;
export type KeyTypeName = (typeof KEY_TYPE_NAMES)[number];

/** A range of keys in their text form: `[start, end)` when `endExclusive`, else `[start, end]`. */
export interface KeyRange {
  start: string;
  end: string;
  endExclusive: boolean;
}

/** A range as planned: its keys, or the NULL range; an estimate of its rows where the plan knows one. */
export type PlannedRange =
  | (KeyRange & { nulls?: false; estimate?: number; oversized?: boolean })
  | { nulls: true; estimate?: number; oversized?: boolean };

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
export interface SplitPlan {
  count: number;
  ranges: Iterable<PlannedRange>;
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

/** Where and how to cut: the table, its key, the window and the run's split options. */
export interface SplitRequest {
  sql: Sql;
  table: Identifier;
  key: Identifier;
  window: KeyRange;
  /** An index leads with the key, so Postgres can read it in order without sorting. */
  indexed: boolean;
  rowsPerRange: number;
  how: Split;
  /** A uniform split's width where the type takes one (an ISO-8601 duration for time keys). */
  width?: string;
  more?: MoreSessions;
}

export type Parsed = { ok: true; key: string } | { ok: false; message: string };

export interface KeyType {
  /** The key type's name, as jobs declare it and errors show it. */
  readonly name: KeyTypeName;
  /** The column types (as `format_type` names them) this key type splits. */
  readonly columnTypes: readonly string[];
  /** Ranges are read without an index on the key (the row position, by TID Range Scan). */
  readonly indexless?: boolean;
  /** The splits this type supports; the first is its default. */
  readonly splits: readonly Split[];
  /** Parses a bound given in a run body into the lossless text form; a message saying why when it does not parse. */
  parse(value: unknown): Parsed;
  /** Orders two keys in text form, where the type's order is arithmetic; null where only Postgres knows it (text, by collation). */
  compare(a: string, b: string): number | null;
  /** The keys a column of catalog type `pgType` can hold, where the type has a fixed domain (integers); null otherwise. */
  domain(pgType: string): { start: string; end: string } | null;
  /** Checks a uniform split's `width` option; a message when it is not one this type takes. */
  checkWidth(width: string | undefined): string | null;
  /** The key's smallest and largest non-NULL value in the table; null for a table with none. */
  bounds(sql: Sql, table: Identifier, key: Identifier): Promise<{ start: string; end: string } | null>;
  /** Cuts the window into ranges that cover it exactly (the NULL range is the planner's, not the type's). */
  split(req: SplitRequest): Promise<SplitPlan>;
  /**
   * Two ranges that cover `range` exactly, or null when it is too narrow (one
   * key value) or cannot be cut. `cut`, from `cut()` below, is where to cut a
   * type that has no arithmetic.
   */
  halve(range: KeyRange, rowsPerRange: number, cut?: string): [KeyRange, KeyRange] | null;
  /**
   * For a type whose keys have no arithmetic (text): asks Postgres for a key
   * strictly inside `range` to cut it at. The lane that saw the range time out
   * calls it and sends the answer with its report; the Coordinator has no
   * connection to ask with.
   */
  cut?(sql: Sql, table: Identifier, key: Identifier, range: KeyRange, rowsPerRange: number): Promise<string | null>;
  /** The key as the job sees it: a bigint for integers, the text form for every other type. */
  forJob(text: string): bigint | string;
  /** Incremental runs (docs/incremental.md), for types whose keys grow with time (integers, timestamps); absent: refused. */
  readonly incremental?: IncrementalKeys;
}

/**
 * What incremental runs need of a key type: a margin below the watermark that
 * every run re-scans (a number of keys for integers, an ISO-8601 duration for
 * time keys), and the lowest key of that margin.
 */
export interface IncrementalKeys {
  /** The margin a job gets when it names none. */
  readonly defaultMargin: number | string;
  /** A message when `margin` is not one this type takes. */
  checkMargin(margin: number | string): string | null;
  /** The first key of the margin below `end` (inclusive): every key from it to `end` is re-scanned. */
  rescanFrom(end: string, margin: number | string): string;
  /** A run can build on a watermark at `end`: false for `infinity`, past which no key can follow. */
  canFollow(end: string): boolean;
}
