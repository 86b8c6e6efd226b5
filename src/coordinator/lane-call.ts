/**
 * A lane's call, applied to the ledger in one transaction: the lane's
 * reports are folded (fold.ts), the ranges it began are noted, the ones it
 * gives back are released unspent, and it is leased its next ranges or told
 * to stop. Reports are folded whoever sends them: a lane the book has given
 * up on may still deliver a result, and the fold decides what it is worth.
 * Pacing rides on the same call: the rate's start slots (pacing.ts), the
 * health check's request and verdict (health.ts), and a pause (pause.ts).
 */
import type { AnyJob, Json } from "../jobs/define";
import type { KeyType } from "../planning/keys/key-type";
import { filterOf } from "../incremental/run-chain";
import { grantRanges } from "./dispatch";
import { applyReports, type ReportOutcome } from "./fold";
import { askHealth, forgetAsk, recordVerdict, unhealthyWaitMs } from "./health";
import { correctRows, grantPaced, isRateLimited, laneLimit } from "./pacing";
import { isLive } from "./pause";
import type { Lanes } from "./lanes";
import type { Ledger, RunRow } from "./ledger";
import type { LaneCall, LaneGrant } from "./types";

/** The calls per second all of a run's lanes together aim to stay under. */
const CALL_BUDGET_PER_SECOND = 400;
/** The shortest interval between a lane's calls. */
const MIN_CALL_INTERVAL_MS = 250;

/** How often each lane should call, so that `lanes` lanes stay within the budget. */
export function callIntervalMs(lanes: number): number {
  return Math.max(MIN_CALL_INTERVAL_MS, Math.ceil((Math.max(1, lanes) * 1000) / CALL_BUDGET_PER_SECOND));
}

export function answerLane(
  keys: KeyType,
  ledger: Ledger,
  lanes: Lanes,
  run: RunRow,
  job: AnyJob,
  call: LaneCall,
  now: number,
): { grant: LaneGrant; outcome: ReportOutcome | null; run: RunRow } {
  const known = lanes.touch(call.lane, now);
  let outcome: ReportOutcome | null = null;
  // A paused run still folds what its lanes finish.
  if (isLive(run)) {
    ledger.markStarted(call.started);
    if (call.reports.length) {
      correctRows(ledger, run, call.reports);
      outcome = applyReports(keys, ledger, run, call.reports, job.combine, now);
    }
    ledger.release(call.release, run.max_attempts, now);
    if (call.health && job.healthCheck) recordVerdict(ledger, run, call.health, now);
  }
  // The fold may have moved the run on (concurrency lowered, phase): read it again.
  const current = ledger.run() ?? run;
  const until = now + current.lease_ms;
  const lanesNow = lanes.count().total;
  const grant: LaneGrant = {
    ranges: [],
    stop: true,
    leaseUntil: until,
    timeoutMs: current.timeout_ms,
    rowsPerRange: current.rows_per_range,
    params: JSON.parse(current.params) as Json,
    nonce: current.nonce,
    chain: filterOf(current),
    callIntervalMs: callIntervalMs(lanesNow),
  };
  if (call.done) {
    lanes.drop([call.lane]);
    forgetAsk(ledger, current, call.lane);
    return { grant, outcome, run: current };
  }
  if (!known || current.status !== "running" || lanes.isSurplus(call.lane, laneLimit(current), lanesNow)) {
    // A lane of a paused run finishes the range it began: its lease must not end meanwhile.
    if (known && current.status === "paused") ledger.renewLane(call.lane, until);
    return { grant, outcome, run: current };
  }
  ledger.renewLane(call.lane, until);
  grant.stop = false;
  if (askHealth(ledger, current, job, call.lane, now)) grant.checkHealth = true;
  if (current.health === "unhealthy") {
    grant.hold = true;
    grant.waitMs = unhealthyWaitMs(current, job, now, grant.callIntervalMs);
    return { grant, outcome, run: current };
  }
  // No lane takes more than its fair share of what is pending, so the run's
  // other lanes (starting now, or later) find work too.
  const fairShare = Math.max(1, Math.ceil(ledger.countInState("pending") / Math.max(1, current.effective_concurrency)));
  const want = Math.min(call.want, fairShare);
  if (isRateLimited(current)) {
    const paced = grantPaced(ledger, current, call.lane, want, now, until);
    grant.ranges = paced.ranges;
    if (paced.waitMs !== undefined) grant.waitMs = paced.waitMs;
  } else {
    grant.ranges = grantRanges(ledger, current, call.lane, want, now, until);
  }
  return { grant, outcome, run: current };
}
