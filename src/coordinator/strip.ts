/**
 * The range strip the dashboard draws: the run's ranges in key order, folded
 * into at most `bins` bins with per-bin status counts, computed in SQL so a
 * run of 100,000 ranges costs one query, not a hundred ledger pages.
 *
 * Split parents are left out (their children cover them). Keys stay exact:
 * they are compared as SQLite 64-bit integers and come back as TEXT, never as
 * JS numbers.
 */
export const DEFAULT_BINS = 200;
export const MAX_BINS = 2000;

export interface StripBin {
  /** First and last key the bin's ranges cover, as decimal strings. */
  start: string;
  end: string;
  ranges: number;
  pending: number;
  running: number;
  done: number;
  failed: number;
  /** Rows of the bin's finished ranges. */
  rows: number;
  /** The slowest finished range of the bin, to find slow ranges. */
  maxDurationMs: number | null;
  maxAttempts: number;
  /** The range's id when the bin holds exactly one range. */
  rangeId: number | null;
  /** An error of the bin: a failed range's if any, else a range that is being retried. */
  error: { rangeId: number; attempt: number; code: string | null; message: string } | null;
}

export interface Strip {
  /** Ranges that cover the key space (split parents excluded). */
  total: number;
  bins: StripBin[];
}

type Rec = Record<string, SqlStorageValue>;

const BINNED = `
  WITH live AS (
    SELECT id, end, status, attempt, rows, duration_ms, error_code, error_message, CAST(start AS INTEGER) AS k,
           ROW_NUMBER() OVER (ORDER BY CAST(start AS INTEGER)) - 1 AS rn, count(*) OVER () AS n
    FROM ranges WHERE status NOT IN ('split', 'dropped')
  )
  SELECT *, (rn * CAST(? AS INTEGER)) / n AS bin FROM live`;

/** Folds the ledger into at most `bins` bins of consecutive ranges in key order. */
export function stripOf(sql: SqlStorage, bins: number): Strip {
  const rows = sql
    .exec<Rec & Omit<StripBin, "error" | "rangeId"> & { bin: number; first_id: number }>(
      `SELECT bin, count(*) AS ranges, CAST(min(k) AS TEXT) AS start, CAST(max(CAST(end AS INTEGER)) AS TEXT) AS end,
              sum(status = 'pending') AS pending, sum(status = 'running') AS running,
              sum(status = 'done') AS done, sum(status = 'failed') AS failed,
              coalesce(sum(CASE WHEN status = 'done' THEN rows END), 0) AS rows,
              max(CASE WHEN status = 'done' THEN duration_ms END) AS maxDurationMs,
              max(attempt) AS maxAttempts, min(id) AS first_id
       FROM (${BINNED}) GROUP BY bin ORDER BY bin`,
      bins,
    )
    .toArray();
  // One error per bin. With exactly one max() aggregate, SQLite takes the bare
  // columns from the row that holds the max: a failed range wins over a retrying one.
  const errors = new Map<number, StripBin["error"]>();
  for (const e of sql.exec<Rec & { bin: number; id: number; attempt: number; error_code: string | null; error_message: string }>(
    `SELECT bin, max(status = 'failed') AS is_failed, id, attempt, error_code, error_message
     FROM (${BINNED}) WHERE error_message IS NOT NULL AND status <> 'done' GROUP BY bin`,
    bins,
  )) {
    errors.set(e.bin, { rangeId: e.id, attempt: e.attempt, code: e.error_code, message: e.error_message });
  }
  return {
    total: rows.reduce((n, r) => n + r.ranges, 0),
    bins: rows.map(({ bin, first_id, ...r }) => ({
      ...r,
      rangeId: r.ranges === 1 ? first_id : null,
      error: errors.get(bin) ?? null,
    })),
  };
}
