/**
 * The ledger: the run row, one row per range, and the accumulator, in the
 * Coordinator's SQLite storage. This file holds the storage primitives that
 * write (the reads are in ledger-reads.ts); what decides between them lives in
 * fold.ts (a report), failures.ts (retry, fail, split) and governor.ts
 * (concurrency). Multi-step changes run inside the
 * Coordinator's transactions.
 */
import { LedgerReads, MAX_PARAMS, type Rec } from "./ledger-reads";
import type { LeasedRange, NewRange, RangeRow, RunRow } from "./ledger-rows";
import { isFinished, type RunPhase, type RunState } from "./types";

export type { LeasedRange, NewRange, RangeCounts, RangeRow, RunRow } from "./ledger-rows";

const INSERT_CHUNK = 9; // 11 parameters a row
const MAX_ERROR_TEXT = 2000;

/** The run row's pacing columns: the only names `setPacing` writes. */
type PacingField =
  | "pace_ranges_at" | "pace_rows_at" | "health" | "health_reason" | "health_checked_at" | "health_asked_at" | "health_asked_lane" | "paused_at";
const PACING_FIELDS = new Set<PacingField>([
  "pace_ranges_at", "pace_rows_at", "health", "health_reason", "health_checked_at", "health_asked_at", "health_asked_lane", "paused_at",
]);

export class Ledger extends LedgerReads {
  insertRun(
    row: Omit<
      RunRow,
      | "rows" | "error" | "finished_at" | "updated_at" | "healthy_streak" | "last_overload_at" | "effective_concurrency" | "canary_finished_at"
      | "lane_calls" | "next_lane" | "send_failures" | "send_failing_since" | "effects_deleted_at" | "nonce" | "effects" | "chain"
      | "rate_ranges" | "rate_rows" | "pace_ranges_at" | "pace_rows_at"
      | "health" | "health_reason" | "health_checked_at" | "health_asked_at" | "health_asked_lane" | "paused_at"
    > & { effects?: number } & Partial<Pick<RunRow, "rate_ranges" | "rate_rows">>,
  ): void {
    // The run's nonce is drawn here, once: random, never derived from the run id.
    const nonce = crypto.randomUUID();
    this.sql.exec(
      `INSERT INTO run (id, run_id, job, status, phase, bounds_start, bounds_end, snapshot_end, split, canary_ranges, rows_per_range,
         concurrency, effective_concurrency, max_attempts, lease_ms, timeout_ms, params, accumulator, created_at, updated_at, planning_ms,
         key_type, bounds_end_exclusive, nonce, effects, rate_ranges, rate_rows)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      row.run_id, row.job, row.status, row.phase, row.bounds_start, row.bounds_end, row.snapshot_end, row.split, row.canary_ranges,
      row.rows_per_range, row.concurrency, row.concurrency, row.max_attempts, row.lease_ms, row.timeout_ms, row.params,
      row.accumulator, row.created_at, row.created_at, row.planning_ms, row.key_type, row.bounds_end_exclusive, nonce, row.effects ?? 0,
      row.rate_ranges ?? null, row.rate_rows ?? null,
    );
  }

  /** Empties the ranges table: what a create that did not finish left behind. */
  clearRanges(): void {
    this.sql.exec("DELETE FROM ranges");
  }

  /** Appends ranges (keys in their text form) as pending, numbered on from the highest id so far. */
  insertRanges(ranges: ReadonlyArray<NewRange>, parent: number | null = null, canary = false, depth = 0): number[] {
    const first = this.sql.exec<{ next: number }>("SELECT coalesce(max(id) + 1, 0) AS next FROM ranges").one().next;
    for (let i = 0; i < ranges.length; i += INSERT_CHUNK) {
      const chunk = ranges.slice(i, i + INSERT_CHUNK);
      const values: SqlStorageValue[] = [];
      chunk.forEach((r, j) =>
        values.push(first + i + j, r.start, r.end, r.endExclusive ? 1 : 0, r.nulls ? 1 : 0, r.pos, r.oversized ? 1 : 0, r.estimate, parent, canary ? 1 : 0, depth),
      );
      this.sql.exec(
        `INSERT INTO ranges (id, start, end, end_exclusive, nulls, pos, oversized, estimate, parent, canary, depth, status)
         VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')").join(", ")}`,
        ...values,
      );
    }
    return ranges.map((_, i) => first + i);
  }

  setState(status: RunState, phase: RunPhase, now: number, error: string | null = null): void {
    this.sql.exec(
      "UPDATE run SET status = ?, phase = ?, error = ?, updated_at = ?, finished_at = ? WHERE id = 1",
      status, phase, error, now, isFinished(status) ? now : null,
    );
  }

  saveAccumulator(accumulator: string, addRows: number, now: number): void {
    this.sql.exec("UPDATE run SET accumulator = ?, rows = rows + ?, updated_at = ? WHERE id = 1", accumulator, addRows, now);
  }

  setConcurrency(effective: number, healthyStreak: number, overloadAt: number | null): void {
    this.sql.exec(
      "UPDATE run SET effective_concurrency = ?, healthy_streak = ?, last_overload_at = coalesce(?, last_overload_at) WHERE id = 1",
      effective, healthyStreak, overloadAt,
    );
  }

  /** Marks ranges done with their rows and durations, a few statements for a whole batch. */
  markDoneMany(done: ReadonlyArray<{ id: number; rows: number; durationMs: number }>, now: number): void {
    const per = Math.floor((MAX_PARAMS - 1) / 3);
    for (let i = 0; i < done.length; i += per) {
      const chunk = done.slice(i, i + per);
      this.sql.exec(
        `UPDATE ranges SET status = 'done', rows = v.column2, duration_ms = v.column3, lease_until = NULL, lane = NULL, not_before = NULL,
           error_code = NULL, error_message = NULL, updated_at = ?
         FROM (VALUES ${chunk.map(() => "(?, ?, ?)").join(", ")}) AS v WHERE ranges.id = v.column1 AND ranges.status <> 'dropped'`,
        now, ...chunk.flatMap((d) => [d.id, d.rows, d.durationMs]),
      );
    }
  }

  /**
   * Leases up to `n` due pending ranges (only canary ones if asked) to `lane`
   * until `until`: each gets a fresh attempt number, never one used before.
   */
  lease(n: number, now: number, until: number, lane: number, canaryOnly = false, pacedRows: number | null = null): LeasedRange[] {
    if (n <= 0) return [];
    const leased = this.sql
      .exec<LeasedRange & { parent: number | null } & Rec>(
        `UPDATE ranges SET status = 'running', attempt = attempt + 1, lease_until = ?, lane = ?, not_before = NULL, updated_at = ?,
           paced_rows = ?
         WHERE id IN (SELECT id FROM ranges WHERE status = 'pending' AND coalesce(not_before, 0) <= ? AND canary >= ?
                      ORDER BY id LIMIT ?)
         RETURNING id, start, end, end_exclusive, nulls, attempt, parent`,
        until, lane, now, pacedRows, now, canaryOnly ? 1 : 0, n,
      )
      .toArray()
      .sort((a, b) => a.id - b.id);
    return leased.map(({ parent, ...r }) => (parent === null ? r : { ...r, ancestors: this.ancestorsOf(parent) }));
  }

  /** `parent` and its own split parents, nearest first (a chain of at most MAX_SPLIT_DEPTH). */
  private ancestorsOf(parent: number): number[] {
    return this.sql
      .exec<{ id: number }>(
        `WITH RECURSIVE up(id, parent, n) AS (SELECT id, parent, 0 FROM ranges WHERE id = ?
           UNION ALL SELECT r.id, r.parent, up.n + 1 FROM ranges r JOIN up ON r.id = up.parent)
         SELECT id FROM up ORDER BY n`,
        parent,
      )
      .toArray()
      .map((r) => r.id);
  }

  /** These ranges become `dropped`, whatever their state: an ancestor's late commit was folded in their place. */
  dropRanges(ids: readonly number[], now: number): void {
    for (let i = 0; i < ids.length; i += MAX_PARAMS - 1) {
      const chunk = ids.slice(i, i + MAX_PARAMS - 1);
      this.sql.exec(
        `UPDATE ranges SET status = 'dropped', lease_until = NULL, lane = NULL, not_before = NULL, updated_at = ?
         WHERE id IN (${chunk.map(() => "?").join(", ")})`,
        now, ...chunk,
      );
    }
  }

  /** The run's exactly-once records were deleted from the user's database. */
  markEffectsDeleted(now: number): void {
    this.sql.exec("UPDATE run SET effects_deleted_at = ? WHERE id = 1", now);
  }

  /** Extends the lease of every range `lane` holds: a lane that calls is alive. */
  renewLane(lane: number, until: number): void {
    this.sql.exec("UPDATE ranges SET lease_until = ? WHERE lane = ? AND status = 'running'", until, lane);
  }

  /**
   * Notes that a lane began running these attempts, and when (a range that
   * never began is not to blame for its lease). An attempt given back while
   * the lane began it anyway (a pause it had not heard of yet) is noted too:
   * the start times are what the pacing tests read.
   */
  markStarted(started: ReadonlyArray<readonly [number, number, number]>): void {
    if (!started.length) return;
    // One statement for the whole call, whatever its size: a lane notes every range it begins.
    // The `+` keeps SQLite off the status indexes, which would walk every pending range
    // for each call; by id, it looks up just the ranges named.
    this.sql.exec(
      `UPDATE ranges SET started_attempt = s.attempt, started_at = s.at
       FROM (SELECT value ->> 0 AS id, value ->> 1 AS attempt, value ->> 2 AS at FROM json_each(?)) AS s
       WHERE ranges.id = s.id AND ranges.attempt = s.attempt AND +ranges.status IN ('running', 'pending')`,
      JSON.stringify(started),
    );
  }

  /**
   * Gives back leased attempts that never ran. The attempt number stays used
   * (a late report of it must never pass for a later attempt's); the range
   * gets one more try instead. Returns how many were released.
   */
  release(pairs: ReadonlyArray<readonly [number, number]>, maxAttempts: number, now: number): number {
    let released = 0;
    for (const [id, attempt] of pairs) {
      released += this.sql.exec(
        `UPDATE ranges SET status = 'pending', lane = NULL, lease_until = NULL, updated_at = ?,
           attempt_limit = coalesce(attempt_limit, ?) + 1
         WHERE id = ? AND attempt = ? AND status = 'running'`,
        now, maxAttempts, id, attempt,
      ).rowsWritten > 0 ? 1 : 0;
    }
    return released;
  }

  /** Records a failed attempt: back to pending after `notBefore`, or failed for good when it is null. */
  markAttemptFailed(id: number, code: string | null, message: string, durationMs: number | null, notBefore: number | null, now: number): void {
    this.sql.exec(
      `UPDATE ranges SET status = ?, lease_until = NULL, lane = NULL, not_before = ?, duration_ms = coalesce(?, duration_ms),
         error_code = ?, error_message = ?, updated_at = ? WHERE id = ?`,
      notBefore === null ? "failed" : "pending", notBefore, durationMs, code, message.slice(0, MAX_ERROR_TEXT), now, id,
    );
  }

  setAttemptLimit(id: number, limit: number): void {
    this.sql.exec("UPDATE ranges SET attempt_limit = ? WHERE id = ?", limit, id);
  }

  /** Retires a range in favour of children that cover it exactly. */
  markSplit(id: number, code: string | null, message: string, now: number): void {
    this.sql.exec(
      `UPDATE ranges SET status = 'split', lease_until = NULL, lane = NULL, not_before = NULL, error_code = ?, error_message = ?, updated_at = ?
       WHERE id = ?`,
      code, message.slice(0, MAX_ERROR_TEXT), now, id,
    );
  }

  /** Failed ranges go back to pending with `maxAttempts` fresh tries each. Returns how many. */
  reopenFailed(maxAttempts: number, now: number): number {
    const failed = this.countInState("failed");
    this.sql.exec(
      `UPDATE ranges SET status = 'pending', attempt_limit = attempt + ?, not_before = NULL,
         error_code = NULL, error_message = NULL, updated_at = ?
       WHERE status = 'failed'`,
      maxAttempts, now,
    );
    return failed;
  }

  /** Running ranges of a stopped run go back to pending: their reports will not be folded. */
  releaseRunning(): void {
    this.sql.exec("UPDATE ranges SET status = 'pending', lease_until = NULL, lane = NULL WHERE status = 'running'");
  }

  /**
   * Gives back running ranges without spending their attempts: the ones no
   * lane began (a pause), or, with `expiredBy`, every one whose lease ended
   * by then (a paused run's leases end without failing anything).
   */
  giveBack(maxAttempts: number, now: number, expiredBy: number | null = null): number {
    return this.sql.exec(
      `UPDATE ranges SET status = 'pending', lane = NULL, lease_until = NULL, updated_at = ?,
         attempt_limit = coalesce(attempt_limit, ?) + 1
       WHERE status = 'running' AND (CASE WHEN ? IS NULL THEN coalesce(started_attempt, -1) <> attempt ELSE lease_until <= ? END)`,
      now, maxAttempts, expiredBy, expiredBy,
    ).rowsWritten;
  }

  /** Sets fields of the run row that pacing keeps (pacing.ts, health.ts, pause.ts). */
  setPacing(fields: Partial<Pick<RunRow, PacingField>>): void {
    const entries = Object.entries(fields).filter(([k]) => PACING_FIELDS.has(k as PacingField));
    if (!entries.length) return;
    this.sql.exec(`UPDATE run SET ${entries.map(([k]) => `${k} = ?`).join(", ")} WHERE id = 1`, ...entries.map(([, v]) => v ?? null));
  }

  /** Every pending or running range fails with `code`: the run stopped for a reason outside them. */
  failOpen(code: string, message: string, now: number): void {
    this.sql.exec(
      `UPDATE ranges SET status = 'failed', lease_until = NULL, lane = NULL, not_before = NULL, error_code = ?, error_message = ?, updated_at = ?
       WHERE status IN ('pending', 'running')`,
      code, message.slice(0, MAX_ERROR_TEXT), now,
    );
  }

  /** A lane start the queue refused: counted, and shown on the run while it lasts. */
  noteSendFailure(error: string, now: number): void {
    this.sql.exec(
      "UPDATE run SET send_failures = send_failures + 1, send_failing_since = coalesce(send_failing_since, ?), error = ? WHERE id = 1",
      now, error.slice(0, MAX_ERROR_TEXT),
    );
  }

  clearSendFailures(): void {
    this.sql.exec("UPDATE run SET send_failures = 0, send_failing_since = NULL, error = NULL WHERE id = 1");
  }

  /** Ends the canary phase. */
  finishCanary(now: number): void {
    this.sql.exec("UPDATE run SET phase = 'main', canary_finished_at = ?, updated_at = ? WHERE id = 1", now, now);
  }
}
