/**
 * Dispatch: lanes in, ranges out.
 *
 * - Starting lanes: while a run has due ranges and fewer lanes than its
 *   effective concurrency, the Coordinator books lanes and sends one queue
 *   message each. A message leases nothing: a range's lease starts when a
 *   lane claims it, so a message may wait in the queue as long as it likes.
 * - Granting: a lane's call leases it the next ranges. The lane keeps a few
 *   ranges in hand so its next call overlaps its running query.
 * - Waking: the alarm is set for the first thing that can move the run on
 *   without a lane calling: a lease or a lane that runs out, a retry that a
 *   free slot could start, or a resend after the queue refused one.
 */
import { messageOf } from "../lib/errors";
import { logError } from "../lib/log";
import type { Lanes } from "./lanes";
import type { Ledger, RunRow } from "./ledger";
import { laneLimit } from "./pacing";
import { taskOf } from "./task";
import type { LaneMessage, RangeTask } from "./types";

/** Lane starts one run keeps in the queue at once: one consumer invocation's worth (max_batch_size). */
export const MAX_STARTING_LANES = 6;
/** Most ranges one call leases to a lane. */
export const MAX_GRANT = 100;
/** First resend delay after the queue refused a send; it doubles per failure, up to RESEND_MAX_MS. */
const RESEND_BASE_MS = 1_000;
const RESEND_MAX_MS = 30_000;

export function laneMessage(run: RunRow, lane: number): LaneMessage {
  return { v: 2, runId: run.run_id, job: run.job, lane };
}

/**
 * Books and sends lane starts up to the run's lane limit (its effective
 * concurrency, unless it is paused or unhealthy), while
 * there is due work. A refused send unbooks its lanes and is counted; the
 * caller's wake-up resends it with backoff. Returns how many lanes started.
 */
export async function startLanes(ledger: Ledger, lanes: Lanes, queue: Queue<LaneMessage>, run: RunRow, now: number): Promise<number> {
  const { total, starting } = lanes.count();
  // Paused: no lane; unhealthy: one, to re-run the health check (pacing.ts).
  const room = Math.min(laneLimit(run) - total, MAX_STARTING_LANES - starting);
  if (room <= 0) return 0;
  // No more starting lanes than there is due work for them.
  const want = Math.min(room, ledger.countDue(now, run.phase === "canary", MAX_STARTING_LANES) - starting);
  if (want <= 0) return 0;
  const ids = lanes.open(want, now);
  try {
    await queue.sendBatch(ids.map((id) => ({ body: laneMessage(run, id), contentType: "json" })));
  } catch (err) {
    lanes.drop(ids);
    const error = messageOf(err);
    ledger.noteSendFailure(`the queue refused to start lanes: ${error}`, now);
    logError("queue send failed", { runId: run.run_id, lanes: ids.length, failures: run.send_failures + 1, error });
    return 0;
  }
  if (run.send_failures > 0) ledger.clearSendFailures();
  return ids.length;
}

/** Ranges for a lane: up to `want` (capped), leased until `until`, in key order. */
export function grantRanges(ledger: Ledger, run: RunRow, lane: number, want: number, now: number, until: number): RangeTask[] {
  return ledger.lease(Math.min(Math.max(0, want), MAX_GRANT), now, until, lane, run.phase === "canary").map(taskOf);
}

/** How long the run has been unable to start lanes before it fails: the queue is not coming back. */
export function sendGiveUpMs(run: RunRow): number {
  return Math.max(run.lease_ms, 20_000);
}

/**
 * When the alarm must next look, or null when nothing is open. Only a retry
 * still to come is a reason to wake, and only while a slot is free: one that
 * is already due is started now or picked up by a lane that calls (waking
 * for it while every slot is taken would loop).
 */
export function nextWake(ledger: Ledger, lanes: Lanes, run: RunRow, now: number): number | null {
  const candidates: Array<number | null> = [ledger.firstLeaseEnd(), lanes.firstDeadline(run.lease_ms, run.lease_ms)];
  if (run.send_failures > 0) {
    candidates.push(now + Math.min(RESEND_BASE_MS * 2 ** (run.send_failures - 1), RESEND_MAX_MS));
  } else if (lanes.count().total < laneLimit(run)) {
    candidates.push(ledger.firstRetryAfter(now));
  }
  const times = candidates.filter((t): t is number => t !== null);
  return times.length ? Math.min(...times) : null;
}
