/**
 * The range strip the dashboard draws: the run's ranges in key order, folded
 * into at most `bins` bins with per-bin status counts, computed in SQL so a
 * run of 100,000 ranges costs one query, not a hundred ledger pages.
 *
 * Split parents are left out (their children cover them). Ranges are
 * ordered by their position (positions.ts), never by comparing keys, which
 * only Postgres can do for most key types; keys come back in their text
 * form. The NULL range, if any, is a bin of its own, last.
 */
export const DEFAULT_BINS = 200;
export const MAX_BINS = 2000;

export interface StripBin {
  /** First and last key the bin's ranges cover, in their text form; null for the NULL range's bin. */
  start: string | null;
  end: string | null;
  /** The bin's last range includes `end` (else it stops before it). */
  endInclusive: boolean;
  /** The bin is the NULL range: rows whose key is NULL. */
  nulls: boolean;
  /** Ranges of the bin that hold more rows than a range should and cannot be split (one key value, or NULL). */
  oversized: number;
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

const COLUMNS = "id, start, end, end_exclusive, nulls, oversized, status, attempt, rows, duration_ms, error_code, error_message";

/** Every live range with its bin, and its bin's first key and last key; binds the bin count twice. */
const BINNED = `
  WITH live AS (
    SELECT ${COLUMNS}, ROW_NUMBER() OVER (ORDER BY pos) - 1 AS rn, count(*) OVER () AS n
    FROM ranges WHERE status NOT IN ('split', 'dropped') AND nulls = 0
  ), binned AS (
    SELECT ${COLUMNS}, rn, (rn * CAST(? AS INTEGER)) / n AS bin FROM live
    UNION ALL
    SELECT ${COLUMNS}, 0 AS rn, CAST(? AS INTEGER) AS bin FROM ranges WHERE status NOT IN ('split', 'dropped') AND nulls = 1
  )
  SELECT *, first_value(start) OVER w AS bin_start, last_value(end) OVER w AS bin_end, last_value(end_exclusive) OVER w AS bin_end_exclusive
  FROM binned
  WINDOW w AS (PARTITION BY bin ORDER BY rn ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)`;

/** Folds the ledger into at most `bins` bins of consecutive ranges in key order. */
export function stripOf(sql: SqlStorage, bins: number): Strip {
  const rows = sql
    .exec<Rec & Omit<StripBin, "error" | "rangeId" | "nulls" | "endInclusive"> & { bin: number; first_id: number; is_nulls: number; end_exclusive: number }>(
      `SELECT bin, count(*) AS ranges, CASE WHEN max(nulls) = 1 THEN NULL ELSE min(bin_start) END AS start,
              CASE WHEN max(nulls) = 1 THEN NULL ELSE min(bin_end) END AS end, min(bin_end_exclusive) AS end_exclusive,
              max(nulls) AS is_nulls, sum(oversized) AS oversized,
              sum(status = 'pending') AS pending, sum(status = 'running') AS running,
              sum(status = 'done') AS done, sum(status = 'failed') AS failed,
              coalesce(sum(CASE WHEN status = 'done' THEN rows END), 0) AS rows,
              max(CASE WHEN status = 'done' THEN duration_ms END) AS maxDurationMs,
              max(attempt) AS maxAttempts, min(id) AS first_id
       FROM (${BINNED}) GROUP BY bin ORDER BY bin`,
      bins, bins,
    )
    .toArray();
  // One error per bin. With exactly one max() aggregate, SQLite takes the bare
  // columns from the row that holds the max: a failed range wins over a retrying one.
  const errors = new Map<number, StripBin["error"]>();
  for (const e of sql.exec<Rec & { bin: number; id: number; attempt: number; error_code: string | null; error_message: string }>(
    `SELECT bin, max(status = 'failed') AS is_failed, id, attempt, error_code, error_message
     FROM (${BINNED}) WHERE error_message IS NOT NULL AND status <> 'done' GROUP BY bin`,
    bins, bins,
  )) {
    errors.set(e.bin, { rangeId: e.id, attempt: e.attempt, code: e.error_code, message: e.error_message });
  }
  return {
    total: rows.reduce((n, r) => n + r.ranges, 0),
    bins: rows.map(({ bin, first_id, is_nulls, end_exclusive, ...r }) => ({
      ...r,
      endInclusive: end_exclusive !== 1,
      nulls: is_nulls === 1,
      rangeId: r.ranges === 1 ? first_id : null,
      error: errors.get(bin) ?? null,
    })),
  };
}
