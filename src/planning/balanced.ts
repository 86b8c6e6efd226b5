/**
 * Balanced split: ranges of about `rowsPerRange` rows each, whatever the key
 * distribution (gaps, dense blocks, sparse tails up to 9e18).
 *
 * 1. Cheap statistics first: `pg_stats.histogram_bounds` (equal-row buckets)
 *    and `pg_class.reltuples`. No ANALYZE: nothing here writes.
 * 2. Buckets are grouped until each group holds about one range's rows.
 * 3. A group that needs several ranges gets exact cut points from
 *    `percentile_disc` over that group's keys only, so skew inside a bucket
 *    is handled exactly without sorting the whole table.
 * Without statistics, the window is one group counted exactly.
 */
import type { Identifier, Sql } from "../db/sql";
import { cutsToRanges, groupBuckets, histogramBuckets, type Bucket } from "./buckets";
import { MAX_RANGES, TooManyRanges, type IntRange } from "./uniform";

interface Stats {
  bounds: bigint[];
  reltuples: number;
}

async function readStats(sql: Sql, table: Identifier, key: Identifier): Promise<Stats> {
  const [row] = await sql<{ bounds: string[] | null; reltuples: number | string | null }>`
    SELECT (SELECT s.histogram_bounds::text::text[] FROM pg_stats s
             WHERE s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = ${key.name}
             ORDER BY s.inherited LIMIT 1) AS bounds,
           c.reltuples::float8 AS reltuples
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid = to_regclass(${table.quoted})`;
  return {
    bounds: (row?.bounds ?? []).map((b) => BigInt(b)),
    reltuples: Number(row?.reltuples ?? 0),
  };
}

async function exactCount(sql: Sql, table: Identifier, key: Identifier, start: bigint, end: bigint): Promise<number> {
  const [row] = await sql<{ n: string }>`SELECT count(*) AS n FROM ${table} WHERE ${key} BETWEEN ${start} AND ${end}`;
  return Number(row?.n ?? 0);
}

/** Exact cut points splitting the group's rows into `pieces` equal parts. */
async function exactCuts(sql: Sql, table: Identifier, key: Identifier, g: { start: bigint; end: bigint; pieces: number }): Promise<bigint[]> {
  const fractions = Array.from({ length: g.pieces - 1 }, (_, i) => (i + 1) / g.pieces);
  const [row] = await sql<{ cuts: string[] | null }>`
    SELECT (percentile_disc(${`{${fractions.join(",")}}`}::float8[]) WITHIN GROUP (ORDER BY ${key}))::text[] AS cuts
    FROM ${table} WHERE ${key} BETWEEN ${g.start} AND ${g.end}`;
  return (row?.cuts ?? []).map((c) => BigInt(c));
}

export interface BalancedPlan {
  ranges: IntRange[];
  /** Estimated rows per range, aligned with `ranges`. */
  estimates: number[];
  /** Where the row estimates came from. */
  source: "histogram" | "count";
}

export async function planBalanced(
  sql: Sql,
  table: Identifier,
  key: Identifier,
  start: bigint,
  end: bigint,
  rowsPerRange: number,
): Promise<BalancedPlan> {
  const stats = await readStats(sql, table, key);
  let buckets: Bucket[];
  let source: BalancedPlan["source"];
  if (stats.bounds.length >= 2 && stats.reltuples > 0) {
    buckets = histogramBuckets(stats.bounds, stats.reltuples / (stats.bounds.length - 1), start, end);
    source = "histogram";
  } else {
    buckets = [{ start, end, rows: await exactCount(sql, table, key, start, end) }];
    source = "count";
  }
  const groups = groupBuckets(buckets, rowsPerRange);
  const planned = groups.reduce((n, g) => n + g.pieces, 0);
  if (planned > MAX_RANGES) {
    throw new TooManyRanges(`a balanced split makes about ${planned} ranges, over the cap of ${MAX_RANGES}`);
  }
  const ranges: IntRange[] = [];
  const estimates: number[] = [];
  for (const g of groups) {
    const pieces = g.pieces > 1 ? cutsToRanges(g.start, g.end, await exactCuts(sql, table, key, g)) : [g];
    for (const r of pieces) {
      ranges.push({ start: r.start, end: r.end });
      estimates.push(g.rows / pieces.length);
    }
  }
  return { ranges, estimates, source };
}
