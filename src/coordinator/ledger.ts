/**
 * The ledger: the run row, one row per range, and the accumulator, in the
 * Coordinator's SQLite storage. Every state change of a range goes through
 * here; the Coordinator wraps multi-step changes in one transaction.
 */
import type { Combine, Json } from "../jobs/define";
import type { KeyRange } from "../planning/uniform";
import type { RangeReport, RangeState, RunError, RunPhase, RunState, Split } from "./types";

export interface RunRow {
  run_id: string;
  job: string;
  status: RunState;
  phase: RunPhase;
  bounds_start: string | null;
  bounds_end: string | null;
  split: Split;
  rows_per_range: number;
  concurrency: number;
  max_attempts: number;
  lease_ms: number;
  params: string;
  accumulator: string;
  rows: number;
  error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export interface LeasedRange {
  id: number;
  start: string;
  end: string;
  attempt: number;
}

export type RangeCounts = Record<RangeState, number> & { total: number };

/** What one batch of reports did to the ledger. */
export interface ReportOutcome {
  folded: number;
  retried: number;
  failed: number;
  ignored: number;
}

// DO SQLite allows at most 100 bound parameters per statement.
const INSERT_CHUNK = 25;

/** Delay before retry `attempt + 1`: exponential, capped, with full jitter. */
export function backoffMs(attempt: number, random = Math.random): number {
  const ceiling = Math.min(30_000, 500 * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export class Ledger {
  constructor(private readonly sql: SqlStorage) {}

  run(): RunRow | null {
    return this.sql.exec<RunRow & Record<string, SqlStorageValue>>("SELECT * FROM run WHERE id = 1").toArray()[0] ?? null;
  }

  insertRun(row: Omit<RunRow, "rows" | "error" | "finished_at" | "updated_at">): void {
    this.sql.exec(
      `INSERT INTO run (id, run_id, job, status, phase, bounds_start, bounds_end, split, rows_per_range,
         concurrency, max_attempts, lease_ms, params, accumulator, created_at, updated_at)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      row.run_id, row.job, row.status, row.phase, row.bounds_start, row.bounds_end, row.split,
      row.rows_per_range, row.concurrency, row.max_attempts, row.lease_ms, row.params,
      row.accumulator, row.created_at, row.created_at,
    );
  }

  /** Appends the planned ranges, numbered from 0 in key order. */
  insertRanges(ranges: readonly KeyRange[]): void {
    for (let i = 0; i < ranges.length; i += INSERT_CHUNK) {
      const chunk = ranges.slice(i, i + INSERT_CHUNK);
      const values: SqlStorageValue[] = [];
      chunk.forEach((r, j) => values.push(i + j, r.start.toString(), r.end.toString()));
      this.sql.exec(
        `INSERT INTO ranges (id, start, end, status) VALUES ${chunk.map(() => "(?, ?, ?, 'pending')").join(", ")}`,
        ...values,
      );
    }
  }

  setPlan(start: bigint | null, end: bigint | null, now: number): void {
    this.sql.exec(
      "UPDATE run SET bounds_start = ?, bounds_end = ?, updated_at = ? WHERE id = 1",
      start?.toString() ?? null, end?.toString() ?? null, now,
    );
  }

  setState(status: RunState, phase: RunPhase, now: number, error: string | null = null): void {
    const finished = status === "succeeded" || status === "failed" || status === "cancelled";
    this.sql.exec(
      "UPDATE run SET status = ?, phase = ?, error = coalesce(?, error), updated_at = ?, finished_at = ? WHERE id = 1",
      status, phase, error, now, finished ? now : null,
    );
  }

  counts(): RangeCounts {
    const counts: RangeCounts = { total: 0, pending: 0, running: 0, done: 0, failed: 0 };
    for (const row of this.sql.exec<{ status: RangeState; n: number }>(
      "SELECT status, count(*) AS n FROM ranges GROUP BY status",
    )) {
      counts[row.status] = row.n;
      counts.total += row.n;
    }
    return counts;
  }

  countInState(status: RangeState): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM ranges WHERE status = ?", status).one().n;
  }

  /** Moves up to `n` due pending ranges to running with a fresh attempt and lease. */
  lease(n: number, now: number, leaseMs: number): LeasedRange[] {
    if (n <= 0) return [];
    return this.sql
      .exec<LeasedRange & Record<string, SqlStorageValue>>(
        `UPDATE ranges SET status = 'running', attempt = attempt + 1, lease_until = ?, not_before = NULL, updated_at = ?
         WHERE id IN (SELECT id FROM ranges WHERE status = 'pending' AND coalesce(not_before, 0) <= ? ORDER BY id LIMIT ?)
         RETURNING id, start, end, attempt`,
        now + leaseMs, now, now, n,
      )
      .toArray()
      .sort((a, b) => a.id - b.id);
  }

  /** Gives back leases whose messages could not be sent; the attempt is not spent. */
  unlease(ids: readonly number[]): void {
    for (const id of ids) {
      this.sql.exec(
        "UPDATE ranges SET status = 'pending', attempt = attempt - 1, lease_until = NULL WHERE id = ? AND status = 'running'",
        id,
      );
    }
  }

  /**
   * Applies a batch of reports. A success folds into the accumulator and marks
   * the range done; this must run inside the caller's transaction so the two
   * happen together (DESIGN invariant 2). Reports for ranges already done or
   * failed, and failures from superseded attempts, change nothing.
   */
  applyReports(reports: readonly RangeReport[], combine: Combine<Json>, maxAttempts: number, now: number): ReportOutcome {
    const outcome: ReportOutcome = { folded: 0, retried: 0, failed: 0, ignored: 0 };
    const run = this.run();
    if (!run) return { ...outcome, ignored: reports.length };
    let acc: Json | undefined;
    let rows = 0;
    for (const report of reports) {
      const range = this.sql
        .exec<{ status: RangeState; attempt: number }>("SELECT status, attempt FROM ranges WHERE id = ?", report.rangeId)
        .toArray()[0];
      const open = range && (range.status === "running" || range.status === "pending");
      if (!open) {
        outcome.ignored++;
      } else if (report.ok) {
        acc = combine.merge(acc ?? (JSON.parse(run.accumulator) as Json), report.result);
        rows += report.rows;
        this.sql.exec(
          `UPDATE ranges SET status = 'done', rows = ?, duration_ms = ?, lease_until = NULL, not_before = NULL,
             error_code = NULL, error_message = NULL, updated_at = ? WHERE id = ?`,
          report.rows, report.durationMs, now, report.rangeId,
        );
        outcome.folded++;
      } else if (range.status !== "running" || report.attempt !== range.attempt) {
        outcome.ignored++;
      } else {
        const giveUp = !report.error.retryable || range.attempt >= maxAttempts;
        this.sql.exec(
          `UPDATE ranges SET status = ?, lease_until = NULL, not_before = ?, duration_ms = ?,
             error_code = ?, error_message = ?, updated_at = ? WHERE id = ?`,
          giveUp ? "failed" : "pending", giveUp ? null : now + backoffMs(range.attempt), report.durationMs,
          report.error.code, report.error.message.slice(0, 2000), now, report.rangeId,
        );
        if (giveUp) outcome.failed++;
        else outcome.retried++;
      }
    }
    if (acc !== undefined) {
      this.sql.exec(
        "UPDATE run SET accumulator = ?, rows = rows + ?, updated_at = ? WHERE id = 1",
        JSON.stringify(acc), rows, now,
      );
    }
    return outcome;
  }

  /** Expired leases go back to pending for a new attempt, or fail when spent. */
  expireLeases(now: number, maxAttempts: number): number {
    const expired = this.sql
      .exec<{ id: number }>(
        `UPDATE ranges SET
           status = CASE WHEN attempt >= ? THEN 'failed' ELSE 'pending' END,
           error_code = 'lease_expired',
           error_message = 'no report before the lease deadline (message lost, or the consumer died)',
           lease_until = NULL, updated_at = ?
         WHERE status = 'running' AND lease_until <= ? RETURNING id`,
        maxAttempts, now, now,
      )
      .toArray();
    return expired.length;
  }

  /** When the alarm must next look: the first lease deadline or retry time. */
  nextWakeup(): number | null {
    const lease = this.sql
      .exec<{ at: number | null }>("SELECT min(lease_until) AS at FROM ranges WHERE status = 'running'")
      .one().at;
    const retry = this.sql
      .exec<{ at: number }>(
        "SELECT not_before AS at FROM ranges WHERE status = 'pending' AND not_before IS NOT NULL ORDER BY not_before LIMIT 1",
      )
      .toArray()[0]?.at ?? null;
    if (lease === null) return retry;
    return retry === null ? lease : Math.min(lease, retry);
  }

  /** True while some range is pending or running. */
  hasOpenRanges(): boolean {
    return this.sql
      .exec<{ open: number }>(
        "SELECT EXISTS (SELECT 1 FROM ranges WHERE status IN ('pending', 'running')) AS open",
      )
      .one().open === 1;
  }

  hasFailedRanges(): boolean {
    return this.sql.exec<{ any: number }>("SELECT EXISTS (SELECT 1 FROM ranges WHERE status = 'failed') AS any").one().any === 1;
  }

  failedRanges(limit: number): RunError[] {
    return this.sql
      .exec<{ id: number; start: string; end: string; attempt: number; error_code: string | null; error_message: string | null }>(
        "SELECT id, start, end, attempt, error_code, error_message FROM ranges WHERE status = 'failed' ORDER BY id LIMIT ?",
        limit,
      )
      .toArray()
      .map((r) => ({
        rangeId: r.id,
        start: r.start,
        end: r.end,
        attempts: r.attempt,
        code: r.error_code,
        message: r.error_message ?? "",
      }));
  }
}
