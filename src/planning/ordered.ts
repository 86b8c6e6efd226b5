/**
 * Balanced split for keys that have an order but no arithmetic the planner
 * can trust: uuid, timestamps, dates, text. Postgres reads the key in its own
 * order (the column's type and collation) and names a cut every `step` rows,
 * so the planner never compares two keys itself.
 *
 * Cuts fall between distinct key values: a range is `[cut, next cut)`, so all
 * rows that share a value are in one range, however many there are. When one
 * value alone holds more than a range's rows, its range is kept whole and
 * marked oversized; coverage is never traded for balance.
 */
import { Fragment, fragment, Identifier, type Sql } from "../db/sql";
import { inRange } from "./keys/predicate";
import { summarize, type KeyRange, type PlannedRange, type SplitPlan, type SplitRequest } from "./keys/key-type";
import { MAX_RANGES, TooManyRanges } from "./uniform";

/** The SQL expression giving a key's lossless text form (what the key type parses back). */
export type TextOf = (expr: Identifier) => Fragment;

/** A range above this many times the target is shown as oversized. */
export const OVERSIZED = 2;

const CUT = new Identifier("cut");

/** `key` against the window's end: `<` or `<=`. */
function belowEnd(key: Identifier, window: KeyRange): Fragment {
  return window.endExclusive ? fragment`${key} < ${window.end}` : fragment`${key} <= ${window.end}`;
}

interface Walk {
  cuts: string[];
  /** For each range, in order (one more than the cuts): it holds one key value with more than `step` rows. */
  single: boolean[];
  /** Rows from the last cut to the end (at most step + 1 counted). */
  tail: number;
}

/**
 * Hops along the key's index, `step` rows at a time. Row n of `hop` starts
 * range n at `cut` (row 0 at the window's first key) and carries whether
 * range n - 1 was one value: a hop whose `step` rows all share the value it
 * starts at moves on to the next distinct value instead.
 */
async function hop(sql: Sql, table: Identifier, key: Identifier, window: KeyRange, step: number, textOf: TextOf): Promise<Walk> {
  const end = belowEnd(key, window);
  const [row] = await sql<{ cuts: string[] | null; single: boolean[] | null; tail: string }>`
    WITH RECURSIVE hop(cut, n, prev_single) AS (
      -- Written as a CASE like the recursive term's, so both have the same type (a CASE with a NULL branch drops a typmod: varchar(40))
      SELECT CASE WHEN false THEN NULL ELSE (SELECT ${key} FROM ${table} WHERE ${key} >= ${window.start} AND ${end} ORDER BY ${key} LIMIT 1) END, 0, false
      UNION ALL
      SELECT CASE WHEN nx.v IS NULL THEN NULL
                  WHEN nx.v > h.cut THEN nx.v
                  ELSE (SELECT ${key} FROM ${table} WHERE ${key} > h.cut AND ${end} ORDER BY ${key} LIMIT 1) END,
             h.n + 1,
             coalesce(nx.v <= h.cut, false)
      FROM hop h,
           LATERAL (SELECT (SELECT ${key} FROM ${table} WHERE ${key} >= h.cut AND ${end} ORDER BY ${key} OFFSET ${step} LIMIT 1) AS v) nx
      WHERE h.cut IS NOT NULL
    ),
    cuts AS (SELECT cut, n FROM hop WHERE n > 0 AND cut IS NOT NULL)
    SELECT (SELECT array_agg(${textOf(CUT)} ORDER BY n) FROM cuts) AS cuts,
           (SELECT array_agg(prev_single ORDER BY n) FROM hop WHERE n > 0) AS single,
           (SELECT count(*) FROM (SELECT 1 FROM ${table}
              WHERE ${key} >= coalesce((SELECT cut FROM cuts ORDER BY n DESC LIMIT 1),
                                       (SELECT cut FROM hop WHERE n = 0)) AND ${end} LIMIT ${step + 1}) t)::text AS tail`;
  return { cuts: row?.cuts ?? [], single: row?.single ?? [], tail: Number(row?.tail ?? 0) };
}

/**
 * The unindexed key (a job's opt-in): one sort of the window's distinct
 * values, each range a run of values whose rows add up to about `step`, with
 * its exact row count. The same cut rule: between distinct values. A value
 * with more than `step` rows is a range of its own, so it is the one range
 * marked oversized, not a neighbour of it.
 */
async function rank(sql: Sql, table: Identifier, key: Identifier, window: KeyRange, step: number, textOf: TextOf): Promise<PlannedRange[]> {
  const end = belowEnd(key, window);
  const K = new Identifier("k");
  const rows = await sql<{ start: string; rows: string; values: string }>`
    WITH g AS (SELECT ${key} AS k, count(*) AS c FROM ${table} WHERE ${key} >= ${window.start} AND ${end} GROUP BY 1),
         b AS (SELECT k, c, floor((sum(c) OVER (ORDER BY k) - c) / ${step}) AS bucket FROM g),
         f AS (SELECT k, c, coalesce(bucket <> lag(bucket) OVER (ORDER BY k) OR c > ${step} OR lag(c) OVER (ORDER BY k) > ${step}, false) AS starts FROM b),
         r AS (SELECT k, c, sum(starts::int) OVER (ORDER BY k) AS r FROM f)
    SELECT (array_agg(${textOf(K)} ORDER BY k))[1] AS start, sum(c)::text AS rows, count(*)::text AS values
    FROM r GROUP BY r.r ORDER BY r.r`;
  if (rows.length > MAX_RANGES) throw new TooManyRanges(`a balanced split makes ${rows.length} ranges, over the cap of ${MAX_RANGES}`);
  return rows.map((row, i) => {
    const n = Number(row.rows);
    const next = rows[i + 1];
    return {
      start: i === 0 ? window.start : row.start,
      end: next ? next.start : window.end,
      endExclusive: next ? true : window.endExclusive,
      estimate: n,
      oversized: row.values === "1" && n > OVERSIZED * step,
    };
  });
}

/**
 * Balanced ranges of `window`, about `rowsPerRange` rows each, cut by Postgres
 * in the key's order. Reads the window's rows once along the index.
 */
export async function planOrdered(req: SplitRequest, textOf: TextOf): Promise<SplitPlan> {
  const { sql, table, key, window, rowsPerRange } = req;
  const step = Math.max(1, rowsPerRange);
  if (!req.indexed) {
    const ranked = await rank(sql, table, key, window, step, textOf);
    const ranges: PlannedRange[] = ranked.length ? ranked : [{ ...window, estimate: 0 }];
    return { count: ranges.length, ranges, estimate: summarize(ranges.map((r) => r.estimate ?? 0)) };
  }
  const walk = await hop(sql, table, key, window, step, textOf);
  if (walk.cuts.length + 1 > MAX_RANGES) {
    throw new TooManyRanges(`a balanced split makes ${walk.cuts.length + 1} ranges, over the cap of ${MAX_RANGES}`);
  }
  const ranges: PlannedRange[] = [];
  let start = window.start;
  // The first range runs from the window's start to the first cut; each cut starts the next.
  walk.cuts.forEach((cut, i) => {
    const single = walk.single[i] === true;
    ranges.push({ start, end: cut, endExclusive: true, estimate: step, oversized: single });
    start = cut;
  });
  const last = walk.single[walk.cuts.length] === true;
  ranges.push({ start, end: window.end, endExclusive: window.endExclusive, estimate: walk.tail, oversized: last });
  await countOversized(sql, table, key, ranges, step);
  return { count: ranges.length, ranges, estimate: summarize(ranges.map((r) => r.estimate ?? 0)) };
}

/**
 * Exact row counts of the single-value ranges (one index probe each), by the
 * range's own predicate: the first range starts at the window's start, which
 * need not be a key. A range of a few rows over the step is not oversized.
 */
async function countOversized(sql: Sql, table: Identifier, key: Identifier, ranges: PlannedRange[], step: number): Promise<void> {
  for (const r of ranges) {
    if (!r.oversized || r.nulls) continue;
    const [row] = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${table} WHERE ${inRange(key, { ...r, nulls: false })}`;
    r.estimate = Number(row?.n ?? 0);
    r.oversized = r.estimate > OVERSIZED * step;
  }
}

/** A plain column reference's text form, for types whose `::text` is already lossless and canonical. */
export const castText: TextOf = (expr) => new Fragment(["", "::text"], [expr]);
