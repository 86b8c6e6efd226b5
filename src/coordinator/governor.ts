/**
 * The concurrency governor: additive increase, multiplicative decrease.
 * Overload signals (from the error policy) halve a run's effective
 * concurrency; a healthy stretch adds one back, up to the run's limit. It
 * protects the database when it struggles, which the limit alone cannot.
 */
import { log } from "../lib/log";
import type { Ledger, RunRow } from "./ledger";

export interface ConcurrencyState {
  effective: number;
  limit: number;
  streak: number;
  lastOverloadAt: number | null;
}

/** Halve at most once per second of overload. */
const OVERLOAD_WINDOW_MS = 1_000;

/**
 * An overload halves the effective concurrency (at most once per window);
 * every `effective` successes in a row add one back, up to the limit.
 *
 * @example adjustConcurrency({ effective: 8, limit: 8, streak: 0, lastOverloadAt: null }, true, 0, 0).effective // 4
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

/** Applies one batch's verdict to the run's stored concurrency. Call inside a transaction. */
export function governConcurrency(ledger: Ledger, run: RunRow, overload: boolean, successes: number, now: number): void {
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
