/**
 * Coverage of typed key ranges checked by SQL (tests of the uuid and time
 * key types): every row of the table in exactly one leaf range of a run,
 * each range read as its predicate (`>= start`, `< end` or `<= end`, or
 * `IS NULL`), with the bounds cast to the key's column type by Postgres.
 * Also the rows in each range, for balance checks.
 */
import type { RangeView } from "../src/coordinator/status";
import { allRanges, query } from "./helpers";

const COLUMN_TYPES = ["uuid", "timestamptz", "timestamp", "date"] as const;

export interface Coverage {
  /** Rows in the table (in the window, when given). */
  rows: number;
  /** Rows in no leaf range, and rows in more than one. */
  uncovered: number;
  twice: number;
  /** The leaf ranges in key order, each with the rows its predicate holds. */
  leaves: Array<RangeView & { counted: number }>;
}

/** Checks the run's leaf ranges against `table`; `within` narrows the rows expected to be covered (a window's SQL condition). */
export async function coverage(runId: string, table: string, key: string, type: (typeof COLUMN_TYPES)[number], within = "true"): Promise<Coverage> {
  if (!COLUMN_TYPES.includes(type) || !/^[a-z_0-9]+$/.test(table + key)) throw new Error("bad coverage arguments");
  const leaves = (await allRanges(runId)).filter((r) => r.status !== "split").sort((a, b) => (a.position < b.position ? -1 : 1));
  const spec = leaves.map((r, i) => ({ i, lo: r.start, hi: r.end, incl: r.endInclusive, nulls: r.nulls }));
  const [row] = await query<{ rows: string; uncovered: string; twice: string; per: number[] | null }>(
    `WITH r AS MATERIALIZED (SELECT i, lo::${type} AS lo, hi::${type} AS hi, incl, nulls
                              FROM jsonb_to_recordset($1::jsonb) AS r(i int, lo text, hi text, incl bool, nulls bool)),
          t AS (SELECT ctid AS row, ${key} AS k FROM ${table} WHERE ${within}),
          hits AS (SELECT t.row, r.i FROM t JOIN r ON CASE WHEN r.nulls THEN t.k IS NULL
                     ELSE t.k >= r.lo AND (t.k < r.hi OR (r.incl AND t.k = r.hi)) END),
          per_row AS (SELECT t.row, count(h.i) AS n FROM t LEFT JOIN hits h ON h.row = t.row GROUP BY t.row)
     SELECT (SELECT count(*) FROM t)::text AS rows,
            (SELECT count(*) FROM per_row WHERE n = 0)::text AS uncovered,
            (SELECT count(*) FROM per_row WHERE n > 1)::text AS twice,
            (SELECT array_agg(n ORDER BY i) FROM (SELECT r.i, count(h.row)::int AS n FROM r LEFT JOIN hits h ON h.i = r.i GROUP BY r.i) x) AS per`,
    [JSON.stringify(spec)],
  );
  return {
    rows: Number(row?.rows),
    uncovered: Number(row?.uncovered),
    twice: Number(row?.twice),
    leaves: leaves.map((r, i) => ({ ...r, counted: row?.per?.[i] ?? -1 })),
  };
}
