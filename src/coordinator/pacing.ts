/**
 * Pacing: the proactive half of protecting the database (the AIMD governor,
 * governor.ts, is the reactive half). It decides, inside a lane's call, how
 * many ranges the lane may begin and when; nothing here costs a call of its own.
 *
 * - Rate. A run may cap ranges per second and rows per second. Each limit is
 *   a GCRA (a token bucket with no burst): its theoretical arrival time, kept
 *   in the run row, is the earliest start slot it allows next, and every
 *   grant moves it on by the grant's cost (one range; the range's estimated
 *   rows). A granted range carries its slot as `notBefore`, and the lane
 *   begins it no earlier, so starts are spaced at least 1/rate apart: every
 *   10-second window of the run holds at most 10 × rate (+1) starts, however
 *   the window is placed. Slots are handed out at most PACE_HORIZON_MS
 *   ahead; a lane that gets none is told how long to wait instead.
 * - Rows are charged at grant time by an estimate (the run's measured rows
 *   per done range, or `rowsPerRange` before the first), and corrected by
 *   the rows the range reports: a range with more rows than charged pushes
 *   the next slots back by the difference.
 * - Grants are min(concurrency budget, rate budget), and zero while the
 *   health check says unhealthy (health.ts) or the run is paused (pause.ts).
 */
import type { Ledger, RunRow } from "./ledger";
import { taskOf } from "./task";
import type { PacingStatus, RangeReport, RangeTask } from "./types";

/** How far ahead of now a start slot may be granted: what a lane holds and sleeps towards. */
export const PACE_HORIZON_MS = 1_000;
/** The shortest wait a lane is told; it calls again no sooner. */
const MIN_WAIT_MS = 100;

/** The rate of a run, as the run body or the job gives it. */
export interface RateLimit {
  /** Most ranges begun per second (attempts count: a retry is a range begun). */
  rangesPerSecond?: number;
  /** Most rows per second, as the job's `rowsOf` counts them. */
  rowsPerSecond?: number;
}

type PaceRow = Pick<RunRow, "rate_ranges" | "rate_rows" | "pace_ranges_at" | "pace_rows_at">;

export function isRateLimited(run: Pick<RunRow, "rate_ranges" | "rate_rows">): boolean {
  return run.rate_ranges !== null || run.rate_rows !== null;
}

/** Lanes the run may have now: none while paused, one (to re-run the check) while unhealthy, else its effective concurrency. */
export function laneLimit(run: Pick<RunRow, "status" | "health" | "effective_concurrency">): number {
  if (run.status === "paused") return 0;
  if (run.health === "unhealthy") return 1;
  return run.effective_concurrency;
}

/** Rows one range is charged at grant time: the measured mean so far, else the planned rows per range; at least 1. */
export function rowsEstimate(run: Pick<RunRow, "rows" | "rows_per_range">, doneRanges: number): number {
  return Math.max(1, doneRanges > 0 ? run.rows / doneRanges : run.rows_per_range);
}

/**
 * Start slots for up to `n` ranges, none later than `now + horizon`, and the
 * arrival times after charging them all. `next` is the slot the next range would get.
 *
 * @example planSlots({ rate_ranges: 4, rate_rows: null, pace_ranges_at: 0, pace_rows_at: 0 }, 8, 0, 1_000).slots // [1000, 1250, 1500, 1750, 2000]
 */
export function planSlots(run: PaceRow, n: number, rowsEach: number, now: number, horizon = PACE_HORIZON_MS) {
  let rangesAt = run.pace_ranges_at;
  let rowsAt = run.pace_rows_at;
  const slots: number[] = [];
  let next = Math.max(now, rangesAt, rowsAt);
  while (slots.length < n && next <= now + horizon) {
    slots.push(next);
    if (run.rate_ranges !== null) rangesAt = next + 1000 / run.rate_ranges;
    if (run.rate_rows !== null) rowsAt = next + (rowsEach * 1000) / run.rate_rows;
    next = Math.max(now, rangesAt, rowsAt);
  }
  return { slots, rangesAt, rowsAt, next };
}

/**
 * Leases up to `want` ranges to a rate-limited run's lane, each with its
 * start slot. With no slot inside the horizon the lane gets nothing and a
 * wait. Call inside the lane call's transaction.
 */
export function grantPaced(ledger: Ledger, run: RunRow, lane: number, want: number, now: number, until: number): { ranges: RangeTask[]; waitMs?: number } {
  const rowsEach = run.rate_rows !== null ? rowsEstimate(run, ledger.countInState("done")) : 0;
  const planned = planSlots(run, want, rowsEach, now);
  if (planned.slots.length === 0) {
    return want > 0 ? { ranges: [], waitMs: Math.max(MIN_WAIT_MS, Math.ceil(planned.next - now - PACE_HORIZON_MS)) } : { ranges: [] };
  }
  const leased = ledger.lease(planned.slots.length, now, until, lane, run.phase === "canary", run.rate_rows !== null ? rowsEach : null);
  // Charge only what was leased.
  const used = planSlots(run, leased.length, rowsEach, now);
  if (leased.length) ledger.setPacing({ pace_ranges_at: used.rangesAt, pace_rows_at: used.rowsAt });
  return {
    ranges: leased.map((r, i) => {
      const slot = used.slots[i] ?? now;
      const task = taskOf(r);
      if (slot > now) task.notBefore = Math.ceil(slot);
      return task;
    }),
  };
}

/**
 * Corrects the rows limit by what ranges really had: each folded report's
 * rows minus what its grant was charged. Call before the fold, in the same
 * transaction (it reads which reports are still open).
 */
export function correctRows(ledger: Ledger, run: RunRow, reports: readonly RangeReport[]): void {
  if (run.rate_rows === null) return;
  const ok = reports.filter((r): r is Extract<RangeReport, { ok: true }> => r.ok);
  if (!ok.length) return;
  const ranges = ledger.rangesById(ok.map((r) => r.rangeId));
  const seen = new Set<number>();
  let delta = 0;
  for (const report of ok) {
    const range = ranges.get(report.rangeId);
    if (!range || seen.has(range.id) || range.paced_rows === null || (range.status !== "running" && range.status !== "pending")) continue;
    seen.add(range.id);
    delta += report.rows - range.paced_rows;
  }
  if (delta !== 0) ledger.setPacing({ pace_rows_at: run.pace_rows_at + (delta * 1000) / run.rate_rows });
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** The `pacing` part of the run status. */
export function pacingStatus(run: RunRow, now: number): PacingStatus {
  const rate = { rangesPerSecond: run.rate_ranges, rowsPerSecond: run.rate_rows };
  const health =
    run.health === null || run.health_checked_at === null
      ? null
      : { healthy: run.health === "healthy", reason: run.health_reason, checkedAt: iso(run.health_checked_at) ?? "" };
  const base = { rate, health, pausedAt: run.status === "paused" ? iso(run.paused_at) : null };
  if (run.status === "paused") return { ...base, state: "paused", reason: "paused by hand; resume with POST /api/runs/:runId/resume" };
  if (run.status === "running" && run.health === "unhealthy") {
    return { ...base, state: "unhealthy", reason: `the health check failed: ${run.health_reason ?? "no reason given"}` };
  }
  if (run.status === "running" && isRateLimited(run) && Math.max(run.pace_ranges_at, run.pace_rows_at) > now) {
    const which = [run.rate_ranges !== null ? `${run.rate_ranges} ranges/s` : null, run.rate_rows !== null ? `${run.rate_rows} rows/s` : null];
    return { ...base, state: "waiting-rate", reason: `held to ${which.filter((w) => w !== null).join(" and ")}` };
  }
  return { ...base, state: "running", reason: null };
}
