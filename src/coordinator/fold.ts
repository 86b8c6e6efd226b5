/**
 * The policy side of the ledger: what a report or an expired lease does.
 *
 * - A success folds into the accumulator and marks the range done, together,
 *   inside the caller's transaction (DESIGN invariant 2). Reports for ranges
 *   already done, failed or split change nothing.
 * - A failure of the live attempt is retried with backoff, failed for good
 *   (permanent error, or attempts spent), or, for a timeout, split in two.
 * - Overload signals halve the run's effective concurrency; a healthy stretch
 *   adds one back (additive increase, multiplicative decrease).
 */
import { log, logError } from "../lib/log";
import type { Combine, Json } from "../jobs/define";
import type { Ledger, RangeRow, RunRow } from "./ledger";
import type { RangeReport } from "./types";

/** What one batch of reports did to the ledger. */
export interface ReportOutcome {
  folded: number;
  retried: number;
  failed: number;
  split: number;
  ignored: number;
}

/** Codes that say "this range took too long": split it rather than fail it. */
const TIMEOUTS = new Set(["range_timeout", "57014"]);

/**
 * Whether a failure says the database, not the range, was at fault: it was
 * unreachable, shutting down or restarting, or out of connection slots. Such
 * failures do not use up the range's attempts.
 */
export function isUnavailable(code: string | null): boolean {
  if (code === null) return false; // a job's own error: it counts
  return code === "connection_failed" || code === "57P01" || code === "57P02" || code === "57P03" || ["53", "08"].includes(code.slice(0, 2));
}

/** Whether a failure says the database is overloaded: the run should lower its concurrency. */
export function isOverload(code: string | null): boolean {
  if (code === null) return false;
  return code === "connection_failed" || code === "range_timeout" || code === "57014" || code === "57P03" || ["53", "08"].includes(code.slice(0, 2));
}

/** Delay before the next attempt after `attempt` failed: exponential, capped, jittered. */
export function backoffMs(attempt: number, random = Math.random): number {
  const ceiling = Math.min(30_000, 500 * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export interface ConcurrencyState {
  effective: number;
  limit: number;
  streak: number;
  lastOverloadAt: number | null;
}

/** Halve at most once per second of overload. */
const OVERLOAD_WINDOW_MS = 1_000;

/**
 * Additive increase, multiplicative decrease. An overload halves the effective
 * concurrency (at most once per window); every `effective` successes in a row
 * add one back, up to the run's limit.
 */
export function adjustConcurrency(s: ConcurrencyState, overload: boolean, successes: number, now: number): ConcurrencyState {
  if (overload) {
    const fresh = s.lastOverloadAt === null || now - s.lastOverloadAt >= OVERLOAD_WINDOW_MS;
    return fresh
      ? { ...s, effective: Math.max(1, Math.floor(s.effective / 2)), streak: 0, lastOverloadAt: now }
      : { ...s, streak: 0 };
  }
  let { effective, streak } = s;
  streak += successes;
  while (effective < s.limit && streak >= effective) {
    streak -= effective;
    effective += 1;
  }
  return { ...s, effective, streak: effective >= s.limit ? 0 : streak };
}

/** Smallest width a range is split down to. */
export function minSplitWidth(rowsPerRange: number): bigint {
  return BigInt(Math.max(1, Math.ceil(rowsPerRange / 16)));
}

/** Splits a range in two halves that cover it exactly, when it is wide enough. */
export function trySplit(ledger: Ledger, run: RunRow, range: RangeRow, code: string, message: string, now: number): boolean {
  const start = BigInt(range.start);
  const end = BigInt(range.end);
  if (end - start + 1n < 2n * minSplitWidth(run.rows_per_range)) return false;
  const mid = start + (end - start) / 2n;
  ledger.markSplit(range.id, code, message, now);
  log("range split", { runId: run.run_id, rangeId: range.id, attempt: range.attempt, code });
  ledger.insertRanges([{ start, end: mid }, { start: mid + 1n, end }], range.id, range.canary === 1);
  return true;
}

/**
 * Extra tries a range gets while the database is unavailable.
 * Such failures say nothing about the range, so they do not use up its
 * `maxAttempts`; with backoff capped at 30 s this rides out minutes of outage.
 */
export const MAX_UNAVAILABLE_RETRIES = 20;

function failAttempt(ledger: Ledger, run: RunRow, range: RangeRow, code: string | null, message: string, retryable: boolean, durationMs: number | null, now: number): "retried" | "failed" | "split" {
  if (code !== null && TIMEOUTS.has(code) && trySplit(ledger, run, range, code, message, now)) return "split";
  let limit = range.attempt_limit ?? run.max_attempts;
  // A range that never started (it waited past its lease in a busy batch) or met
  // an unavailable database did not really try: that attempt is given back.
  const spared = code === "not_started" || isUnavailable(code);
  if (retryable && spared && limit < run.max_attempts + MAX_UNAVAILABLE_RETRIES) {
    limit += 1;
    ledger.setAttemptLimit(range.id, limit);
  }
  if (!retryable || range.attempt >= limit) {
    ledger.markAttemptFailed(range.id, code, message, durationMs, null, now);
    logError("range failed", { runId: run.run_id, rangeId: range.id, attempt: range.attempt, code, retryable, error: message });
    return "failed";
  }
  const retryAt = now + backoffMs(range.attempt);
  ledger.markAttemptFailed(range.id, code, message, durationMs, retryAt, now);
  log("range retry scheduled", { runId: run.run_id, rangeId: range.id, attempt: range.attempt, code, retryInMs: retryAt - now });
  return "retried";
}

/** Applies a batch of reports. Call inside a transaction. */
export function applyReports(ledger: Ledger, run: RunRow, reports: readonly RangeReport[], combine: Combine<Json>, now: number): ReportOutcome {
  const outcome: ReportOutcome = { folded: 0, retried: 0, failed: 0, split: 0, ignored: 0 };
  let acc: Json | undefined;
  let rows = 0;
  let overload = false;
  for (const report of reports) {
    const range = ledger.range(report.rangeId);
    const open = range !== null && (range.status === "running" || range.status === "pending");
    if (!open) {
      outcome.ignored++;
    } else if (report.ok) {
      // The consumer checked the result folds; if merge still throws, only this
      // range fails: the rest of the batch is folded.
      let merged: Json;
      try {
        merged = combine.merge(acc ?? (JSON.parse(run.accumulator) as Json), report.result);
      } catch (err) {
        const message = `the result does not combine: ${err instanceof Error ? err.message : String(err)}`;
        outcome[failAttempt(ledger, run, range, "job_error", message, false, report.durationMs, now)]++;
        continue;
      }
      acc = merged;
      rows += report.rows;
      ledger.markDone(range.id, report.rows, report.durationMs, now);
      outcome.folded++;
    } else if (range.status !== "running" || report.attempt !== range.attempt) {
      outcome.ignored++; // a superseded attempt; the live one decides
    } else {
      const { code, message, retryable } = report.error;
      overload ||= isOverload(code);
      outcome[failAttempt(ledger, run, range, code, message, retryable, report.durationMs, now)]++;
    }
  }
  if (acc !== undefined) ledger.saveAccumulator(JSON.stringify(acc), rows, now);
  updateConcurrency(ledger, run, overload, outcome.folded, now);
  return outcome;
}

/**
 * Expired leases: the message was lost, or the consumer died (e.g. a worker
 * limit). The first expiry retries the range as it is; a range whose lease
 * expires again is split, as it is probably too big. Call inside a transaction.
 */
export function expireLeases(ledger: Ledger, run: RunRow, now: number): number {
  const expired = ledger.expiredLeases(now);
  for (const range of expired) {
    const again = range.error_code === "lease_expired";
    const message = "no report before the lease deadline (message lost, or the consumer died)";
    if (again && trySplit(ledger, run, range, "lease_expired", message, now)) continue;
    failAttempt(ledger, run, range, "lease_expired", message, true, null, now);
  }
  return expired.length;
}

function updateConcurrency(ledger: Ledger, run: RunRow, overload: boolean, successes: number, now: number): void {
  const before: ConcurrencyState = {
    effective: run.effective_concurrency,
    limit: run.concurrency,
    streak: run.healthy_streak,
    lastOverloadAt: run.last_overload_at,
  };
  const after = adjustConcurrency(before, overload, successes, now);
  if (after.effective !== before.effective || after.streak !== before.streak) {
    ledger.setConcurrency(after.effective, after.streak, after.lastOverloadAt);
    if (after.effective !== before.effective) {
      log("concurrency changed", { runId: run.run_id, from: before.effective, to: after.effective });
    }
  }
}
