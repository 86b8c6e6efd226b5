/**
 * What a failed attempt does to its range: retried with backoff, given back
 * (the database, not the range, failed), split in two (it took too long), or
 * failed for good. What each error code means comes from the one policy
 * table (src/lib/error-policy.ts); this file applies it to the ledger.
 */
import { policyOf } from "../lib/error-policy";
import { log, logError } from "../lib/log";
import type { KeyType } from "../planning/keys/key-type";
import type { Ledger, RangeRow, RunRow } from "./ledger";
import { childPos } from "./positions";

/**
 * Extra tries a range gets while the database is unavailable. Such failures
 * say nothing about the range, so they do not use up its `maxAttempts`; with
 * backoff capped at 30 s this rides out minutes of outage.
 */
export const MAX_UNAVAILABLE_RETRIES = 20;

/**
 * Delay before the next attempt after `attempt` failed: exponential, capped, jittered.
 *
 * @example backoffMs(3, () => 1) // 2000
 */
export function backoffMs(attempt: number, random = Math.random): number {
  const ceiling = Math.min(30_000, 500 * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export type FailureOutcome = "retried" | "failed" | "split";

export interface Failure {
  code: string | null;
  message: string;
  durationMs: number | null;
  /** A cut point the lane got from Postgres, for a key type without arithmetic. */
  cut?: string;
}

/**
 * How deep splits go: a planned range becomes at most 2^MAX_SPLIT_DEPTH
 * pieces, however wide its keys are (a sparse range can be halved dozens of
 * times before it reaches the minimum width).
 */
export const MAX_SPLIT_DEPTH = 8;
/** Most splits in one run, so an outage that times every range out cannot grow the ledger without end. */
export const MAX_SPLITS_PER_RUN = 100_000;

/**
 * Retires a range in favour of two halves that cover it exactly, when it is
 * wide enough and the caps allow. The NULL range and a range the plan marked
 * oversized (one key value) are never split: no cut could divide them.
 */
export function trySplit(keys: KeyType, ledger: Ledger, run: RunRow, range: RangeRow, f: Failure & { code: string }, now: number): boolean {
  if (range.nulls === 1 || range.oversized === 1) return false;
  if (range.depth >= MAX_SPLIT_DEPTH || ledger.countInState("split") >= MAX_SPLITS_PER_RUN) return false;
  const halves = keys.halve({ start: range.start, end: range.end, endExclusive: range.end_exclusive === 1 }, run.rows_per_range, f.cut);
  if (!halves) return false;
  ledger.markSplit(range.id, f.code, f.message, now);
  log("range split", { runId: run.run_id, rangeId: range.id, attempt: range.attempt, code: f.code });
  ledger.insertRanges(
    halves.map((h, i) => ({ ...h, nulls: false, pos: childPos(range.pos, i === 0 ? 0 : 1), oversized: false, estimate: null })),
    range.id,
    range.canary === 1,
    range.depth + 1,
  );
  return true;
}

/** Applies a failed attempt of `range` to the ledger. Call inside a transaction. */
export function failAttempt(keys: KeyType, ledger: Ledger, run: RunRow, range: RangeRow, f: Failure, now: number): FailureOutcome {
  const policy = policyOf(f.code);
  if (f.code !== null && policy.splits && trySplit(keys, ledger, run, range, { ...f, code: f.code }, now)) return "split";
  let limit = range.attempt_limit ?? run.max_attempts;
  if (policy.retryable && policy.sparesAttempt && limit < run.max_attempts + MAX_UNAVAILABLE_RETRIES) {
    limit += 1;
    ledger.setAttemptLimit(range.id, limit);
  }
  if (!policy.retryable || range.attempt >= limit) {
    ledger.markAttemptFailed(range.id, f.code, f.message, f.durationMs, null, now);
    logError("range failed", { runId: run.run_id, rangeId: range.id, attempt: range.attempt, code: f.code, retryable: policy.retryable, error: f.message });
    return "failed";
  }
  const retryAt = now + backoffMs(range.attempt);
  ledger.markAttemptFailed(range.id, f.code, f.message, f.durationMs, retryAt, now);
  log("range retry scheduled", { runId: run.run_id, rangeId: range.id, attempt: range.attempt, code: f.code, retryInMs: retryAt - now });
  return "retried";
}

/**
 * Expired leases: the lane died or lost touch (a killed consumer, a restart
 * that emptied the queue). A range no lane said it began is not to blame: its
 * attempt is given back. One that ran is retried as it is; if a range that
 * ran loses its lease again it is split, as it is probably too big for a
 * consumer. Call inside a transaction.
 */
export function expireLeases(keys: KeyType, ledger: Ledger, run: RunRow, now: number): number {
  const expired = ledger.expiredLeases(now);
  for (const range of expired) {
    if (range.started_attempt !== range.attempt) {
      const message = "the lease ended before a lane began the range (the lane was lost)";
      failAttempt(keys, ledger, run, range, { code: "not_started", message, durationMs: null }, now);
      continue;
    }
    const again = range.error_code === "lease_expired";
    const message = "no report before the lease deadline (the lane running it died or lost touch)";
    if (again && trySplit(keys, ledger, run, range, { code: "lease_expired", message, durationMs: null }, now)) continue;
    failAttempt(keys, ledger, run, range, { code: "lease_expired", message, durationMs: null }, now);
  }
  return expired.length;
}

/** A failed run goes back to running with its failed ranges pending and fresh attempts. Call inside a transaction. */
export function reopenForRetry(ledger: Ledger, run: RunRow, now: number): void {
  const reopened = ledger.reopenFailed(run.max_attempts, now);
  // A run that failed in its canary checks the canary again before the rest.
  ledger.setState("running", run.phase === "canary" ? "canary" : "main", now);
  ledger.setConcurrency(run.concurrency, 0, null);
  log("run retried", { runId: run.run_id, ranges: reopened });
}
