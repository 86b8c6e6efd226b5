/**
 * The job's health check, as the Coordinator schedules it.
 *
 * Where it runs: in a lane, on the lane's own connection, between two of its
 * ranges (src/consumer/health-check.ts). So the check's connection is one
 * of the run's `concurrency` connections, never one more. The Coordinator
 * asks one lane at a time, at most once per `healthCheckSeconds`, in the
 * answer to a lane's call; the lane reports the verdict in its next call.
 * No call exists for the check alone.
 *
 * While the verdict is unhealthy, no range is granted: lanes give back what
 * they hold and wait, all but one lane are told to stop, and the one left
 * re-runs the check every interval until it is healthy; then grants resume
 * and lanes start again up to the run's concurrency. Before the first
 * verdict the run counts as healthy, and the first lane runs the check
 * before its first range.
 */
import type { AnyJob } from "../jobs/define";
import { log } from "../lib/log";
import type { Ledger, RunRow } from "./ledger";
import type { HealthVerdict } from "./types";

/** How often the check runs when the job does not say: at most once per this many seconds. */
export const DEFAULT_HEALTH_CHECK_SECONDS = 10;
/** Longest health reason kept. */
const MAX_REASON = 500;

export function healthIntervalMs(job: AnyJob): number {
  return (job.healthCheckSeconds ?? DEFAULT_HEALTH_CHECK_SECONDS) * 1000;
}

/** Stores a lane's verdict, and clears the request it answered. Call inside the lane call's transaction. */
export function recordVerdict(ledger: Ledger, run: RunRow, verdict: HealthVerdict, now: number): void {
  const health = verdict.healthy ? "healthy" : "unhealthy";
  const reason = verdict.reason === null ? null : verdict.reason.slice(0, MAX_REASON);
  ledger.setPacing({ health, health_reason: reason, health_checked_at: now, health_asked_at: null, health_asked_lane: null });
  if (health !== (run.health ?? "healthy")) log(verdict.healthy ? "health check passes: dispatch resumes" : "health check fails: dispatch pauses", { runId: run.run_id, reason });
}

/**
 * Whether to ask `lane` to run the check now: it is due (never run, or run
 * an interval ago) and no other lane has an open request (one is given up
 * after the range timeout plus the interval, or when its lane hands back).
 * Records the request.
 */
export function askHealth(ledger: Ledger, run: RunRow, job: AnyJob, lane: number, now: number): boolean {
  if (!job.healthCheck) return false;
  const interval = healthIntervalMs(job);
  const due = run.health_checked_at === null || now - run.health_checked_at >= interval;
  const open = run.health_asked_lane !== null && run.health_asked_at !== null && now - run.health_asked_at < run.timeout_ms + interval;
  if (!due || open) return false;
  ledger.setPacing({ health_asked_lane: lane, health_asked_at: now });
  return true;
}

/** A lane that hands back answers no request any more: another lane may be asked. */
export function forgetAsk(ledger: Ledger, run: RunRow, lane: number): void {
  if (run.health_asked_lane === lane) ledger.setPacing({ health_asked_lane: null, health_asked_at: null });
}

/** How long an unhealthy run's lane waits before it calls again: until the next check is due. */
export function unhealthyWaitMs(run: RunRow, job: AnyJob, now: number, floorMs: number): number {
  const dueAt = (run.health_checked_at ?? now) + healthIntervalMs(job);
  return Math.max(floorMs, dueAt - now);
}
