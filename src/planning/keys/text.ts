/**
 * Text keys (`text`, `character varying`). Text sorts by the column's
 * collation, which only Postgres knows: ICU, libc or "C" give different
 * orders for case, accents and spaces. So this type never compares two keys
 * in JS. Bounds are the column's min()/max(), cuts are named by Postgres
 * reading the key in its own order (ordered.ts), and every predicate compares
 * with the column's collation (predicate.ts). A range that timed out is cut
 * where Postgres says (`cut`), not at a midpoint: text has no arithmetic.
 */
import { Fragment, Identifier, type Sql } from "../../db/sql";
import { planOrdered, type TextOf } from "../ordered";
import type { KeyRange, KeyType } from "./key-type";

/** Longest text bound a run body may give (characters); a key longer than this is not a bound anyone types. */
export const MAX_TEXT_KEY = 4096;

/** A key's text form: the column as text (a no-op for `text`, lossless for `varchar`). */
const asText: TextOf = (expr) => new Fragment(["", "::text"], [expr]);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const K = new Identifier("k");
const N = new Identifier("n");

/**
 * Rows read, at most, to find where to cut a range that timed out: a few
 * target ranges' worth along the index, so the cut itself stays cheap however
 * big the range is (a bigger range is cut nearer its start; it is cut again
 * if its second part times out too).
 */
export function cutWindow(rowsPerRange: number): number {
  return Math.min(1_000_000, Math.max(2, 4 * rowsPerRange));
}

export const textKey: KeyType = {
  name: "text",
  columnTypes: ["text", "character varying"],
  splits: ["balanced"],
  parse(value) {
    if (typeof value !== "string") return { ok: false, message: "must be a string for a text key" };
    if (value.length > MAX_TEXT_KEY) return { ok: false, message: `is longer than ${MAX_TEXT_KEY} characters` };
    if (value.includes("\u0000")) return { ok: false, message: "contains a NUL character (\\u0000), which Postgres text cannot hold" };
    // UTF-8 has no lone surrogate: it would reach Postgres as U+FFFD, another key than the one given.
    if (LONE_SURROGATE.test(value)) return { ok: false, message: "contains an unpaired UTF-16 surrogate, which is not text" };
    return { ok: true, key: value };
  },
  // Only Postgres knows the collation's order: planRun compares the bounds in SQL.
  compare: () => null,
  domain: () => null,
  checkWidth: (width) => (width === undefined ? null : "a text key splits only \"balanced\"; it takes no width"),

  async bounds(sql: Sql, table: Identifier, key: Identifier) {
    // min()/max() on the column itself: ordered by the column's collation.
    const [row] = await sql<{ lo: string | null; hi: string | null }>`
      SELECT min(${key})::text AS lo, max(${key})::text AS hi FROM ${table}`;
    // The empty string is a key: test for NULL, not for falsiness.
    if (row?.lo == null || row.hi == null) return null;
    return { start: row.lo, end: row.hi };
  },

  split: (req) => planOrdered(req, asText),

  halve(range, _rowsPerRange, cut) {
    // The cut comes from Postgres, strictly after start (and before an exclusive end); equal text is the one check JS can make.
    if (cut === undefined || cut === range.start || (range.endExclusive && cut === range.end)) return null;
    return [
      { start: range.start, end: cut, endExclusive: true },
      { start: cut, end: range.end, endExclusive: range.endExclusive },
    ];
  },

  /**
   * The key about halfway through the range's rows, in the column's order:
   * Postgres reads up to `cutWindow` keys from the start along the index and
   * names the middle one, or the first key after it that is greater than
   * `start` (all rows equal to a cut are in the range that starts there, so
   * a cut must be a new value). Null when the range holds one value only.
   */
  async cut(sql: Sql, table: Identifier, key: Identifier, range: KeyRange, rowsPerRange: number) {
    const below = range.endExclusive ? new Fragment(["", " < ", ""], [key, range.end]) : new Fragment(["", " <= ", ""], [key, range.end]);
    const [row] = await sql<{ cut: string | null }>`
      WITH r AS MATERIALIZED (
        SELECT ${key} AS k, row_number() OVER (ORDER BY ${key}) AS n
        FROM (SELECT ${key} FROM ${table} WHERE ${key} >= ${range.start} AND ${below} ORDER BY ${key} LIMIT ${cutWindow(rowsPerRange)}) s)
      SELECT (SELECT ${asText(K)} FROM r WHERE ${N} > (SELECT count(*) / 2 FROM r) AND ${K} > ${range.start} ORDER BY ${N} LIMIT 1) AS cut`;
    return row?.cut ?? null;
  },

  forJob: (key) => key,
};
