/**
 * Pausing a run by hand, and resuming it (`POST /api/runs/:runId/pause`,
 * `/resume`). `paused` is a run status of its own, not finished:
 *
 * - no range is granted and no lane started; lanes hear it at their next
 *   call (within about a second) and hand back;
 * - ranges a lane already began finish, and their reports are folded;
 * - ranges leased but not begun are given back at once, without spending
 *   an attempt;
 * - a lease that ends while the run is paused gives its range back instead
 *   of failing it (the alarm calls `expirePaused`);
 * - a paused run whose last ranges finish ends as usual (succeeded or failed).
 *
 * Both are idempotent; a finished run answers `run_not_running`.
 */
import type { DomainFailure } from "../lib/domain-error";
import { log } from "../lib/log";
import type { Lanes } from "./lanes";
import type { Ledger, RunRow } from "./ledger";

/** A run that is going: running, or paused (it still folds what its lanes finish). */
export function isLive(run: Pick<RunRow, "status">): boolean {
  return run.status === "running" || run.status === "paused";
}

/** What a pause or resume did: changed the run, found it already so, or refused. */
export type PauseOutcome = { ok: true; changed: boolean } | { ok: false; error: DomainFailure };

/** Why a run cannot be paused or resumed: there is none, or it is finished. */
function refusal(run: RunRow | null): DomainFailure | null {
  if (!run) return { code: "run_not_found", message: "no such run" };
  if (!isLive(run)) return { code: "run_not_running", message: `the run is ${run.status}` };
  return null;
}

/** Pauses a running run. Call inside a transaction. */
export function pauseRun(ledger: Ledger, run: RunRow | null, now: number): PauseOutcome {
  const refused = refusal(run);
  if (refused || !run) return { ok: false, error: refused ?? { code: "run_not_found", message: "no such run" } };
  if (run.status === "paused") return { ok: true, changed: false };
  ledger.setState("paused", run.phase, now);
  ledger.setPacing({ paused_at: now });
  const released = ledger.giveBack(run.max_attempts, now);
  log("run paused", { runId: run.run_id, released });
  return { ok: true, changed: true };
}

/** Resumes a paused run. Call inside a transaction; then move the run on (lanes start again). */
export function resumeRun(ledger: Ledger, run: RunRow | null, now: number): PauseOutcome {
  const refused = refusal(run);
  if (refused || !run) return { ok: false, error: refused ?? { code: "run_not_found", message: "no such run" } };
  if (run.status === "running") return { ok: true, changed: false };
  ledger.setState("running", run.phase, now);
  ledger.setPacing({ paused_at: null });
  log("run resumed", { runId: run.run_id, pausedMs: run.paused_at === null ? null : now - run.paused_at });
  return { ok: true, changed: true };
}

/** The alarm of a paused run: silent lanes are given up, and ended leases give their ranges back unspent. */
export function expirePaused(ledger: Ledger, lanes: Lanes, run: RunRow, now: number): void {
  lanes.drop(lanes.expired(now, run.lease_ms, run.lease_ms));
  const released = ledger.giveBack(run.max_attempts, now, now);
  if (released) log("paused run: ended leases given back", { runId: run.run_id, released });
}
