/**
 * A run's progress in numbers: percent finished, elapsed time, rows/s and
 * ETA. Pure functions of the statuses seen so far, with no DOM, so they can
 * later come from one module shared with the CLI (whose progress line
 * computes the same figures the same way).
 *
 * rows/s and the ETA are measured over the last 10 s of samples while the
 * run moves (so a run that speeds up or slows down shows it), and over the
 * whole run once it is final.
 */
import type { RangeCounts, RunState } from "./wire";

const WINDOW_MS = 10_000;

/** The fields of a run status that progress reads. */
export interface RunProgress {
  status: RunState;
  ranges: RangeCounts;
  rows: number;
  createdAt: string;
  finishedAt: string | null;
}

/** One status as seen at time `t` (epoch ms). */
export interface ProgressSample {
  t: number;
  rows: number;
  /** Ranges done or failed. */
  finished: number;
}

export interface Rates {
  rowsPerSecond: number;
  /** null while unknown (nothing finished yet) and once the run is final. */
  etaMs: number | null;
}

export function isFinal(status: RunState | "skipped"): boolean {
  return status === "succeeded" || status === "failed" || status === "cancelled";
}

/** Percent of ranges finished (done or failed), rounded down. */
export function percent(run: Pick<RunProgress, "ranges" | "status">): number {
  const { total, done, failed } = run.ranges;
  if (total === 0) return isFinal(run.status) ? 100 : 0;
  return Math.floor(((done + failed) / total) * 100);
}

/** Wall time of the run so far, or of the whole run once it is over. */
export function elapsedMs(run: Pick<RunProgress, "createdAt" | "finishedAt">, now: number): number {
  const end = run.finishedAt ? Date.parse(run.finishedAt) : now;
  return end - Date.parse(run.createdAt);
}

/**
 * rows/s and ETA for `run` seen at `now`, given the samples kept so far;
 * returns them with the samples to pass next time.
 */
export function measure(samples: readonly ProgressSample[], run: RunProgress, now: number): { rates: Rates; samples: ProgressSample[] } {
  const finished = run.ranges.done + run.ranges.failed;
  if (isFinal(run.status)) {
    const secs = elapsedMs(run, now) / 1000;
    return { rates: { rowsPerSecond: secs > 0 ? run.rows / secs : 0, etaMs: null }, samples: [] };
  }
  const kept = [...samples, { t: now, rows: run.rows, finished }];
  while (kept.length > 2 && now - (kept[0]?.t ?? now) > WINDOW_MS) kept.shift();
  const first = kept[0] ?? { t: now, rows: run.rows, finished };
  const dt = (now - first.t) / 1000;
  let rowsPerSecond: number;
  let rangesPerSecond: number;
  if (dt >= 1) {
    rowsPerSecond = (run.rows - first.rows) / dt;
    rangesPerSecond = (finished - first.finished) / dt;
  } else {
    const secs = elapsedMs(run, now) / 1000;
    rowsPerSecond = secs > 0 ? run.rows / secs : 0;
    rangesPerSecond = secs > 0 ? finished / secs : 0;
  }
  const left = run.ranges.total - finished;
  return { rates: { rowsPerSecond, etaMs: rangesPerSecond > 0 ? (left / rangesPerSecond) * 1000 : null }, samples: kept };
}
