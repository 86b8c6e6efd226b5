/**
 * How far a run is, how fast it goes and when it will end: one definition for
 * every place that shows progress (the `rangemap` CLI, `npm run demo`, the
 * dashboard). Pure code with no Workers or Node API, so the Worker, the
 * browser bundle and Node can all import it (it imports only run-state.ts).
 *
 * rows/s and the ETA come from the last 10 s of status samples while the run
 * moves (a long run's early speed says little about now), and from the whole
 * run once it is over.
 */
import { isFinished, type RunState } from "./run-state";

/** The fields of a run status (`GET /api/runs/:runId`) that progress is computed from. */
export interface RunProgress {
  status: RunState;
  ranges: { total: number; done: number; failed: number };
  rows: number;
  createdAt: string;
  finishedAt: string | null;
}

/** How far back rows/s and the ETA look while a run moves. */
export const RATE_WINDOW_MS = 10_000;

/**
 * Percent of ranges finished (done or failed), rounded down; a run without
 * ranges is at 100 once it is over.
 *
 * @example percent({ status: "running", ranges: { total: 8, done: 3, failed: 1 } }) // 50
 */
export function percent(run: Pick<RunProgress, "ranges" | "status">): number {
  const { total, done, failed } = run.ranges;
  if (total === 0) return isFinished(run.status) ? 100 : 0;
  return Math.floor(((done + failed) / total) * 100);
}

/** Wall time of the run so far, or of the whole run once it is over. Works for history entries too. */
export function runElapsedMs(run: Pick<RunProgress, "createdAt" | "finishedAt">, now = Date.now()): number {
  const end = run.finishedAt ? Date.parse(run.finishedAt) : now;
  return Math.max(0, end - Date.parse(run.createdAt));
}

/**
 * A duration for people: `0.7s`, `2m 03s`, `1h 02m`.
 *
 * @example formatDuration(123_000) // "2m 03s"
 */
export function formatDuration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.round(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

export interface Rates {
  rowsPerSecond: number;
  /** null when unknown (nothing finished yet) or when the run is over. */
  etaMs: number | null;
}

/**
 * rows/s and ETA of one run, from the status samples it is fed. Keep one
 * meter per run being followed and `add` every status seen.
 *
 * @example
 * const meter = new RateMeter();
 * for await (const run of statuses) show(meter.add(run));
 */
export class RateMeter {
  private samples: Array<{ t: number; rows: number; finished: number }> = [];

  add(run: RunProgress, now = Date.now()): Rates {
    const finished = run.ranges.done + run.ranges.failed;
    if (isFinished(run.status)) {
      const secs = runElapsedMs(run, now) / 1000;
      return { rowsPerSecond: secs > 0 ? run.rows / secs : 0, etaMs: null };
    }
    this.samples.push({ t: now, rows: run.rows, finished });
    while (this.samples.length > 2 && now - (this.samples[0]?.t ?? now) > RATE_WINDOW_MS) this.samples.shift();
    const first = this.samples[0] ?? { t: now, rows: run.rows, finished };
    const dt = (now - first.t) / 1000;
    let rowsPerSecond: number;
    let rangesPerSecond: number;
    if (dt >= 1) {
      rowsPerSecond = (run.rows - first.rows) / dt;
      rangesPerSecond = (finished - first.finished) / dt;
    } else {
      // Under a second of samples: the run's average so far.
      const secs = runElapsedMs(run, now) / 1000;
      rowsPerSecond = secs > 0 ? run.rows / secs : 0;
      rangesPerSecond = secs > 0 ? finished / secs : 0;
    }
    const left = run.ranges.total - finished;
    return { rowsPerSecond, etaMs: rangesPerSecond > 0 ? (left / rangesPerSecond) * 1000 : null };
  }
}
