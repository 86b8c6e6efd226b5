/**
 * The progress line shared by the CLI (`rangemap watch`, `run --watch`) and
 * `npm run demo`: a bar, ranges done/total, rows, rows/s, ETA, elapsed.
 *
 *   running   [##########----------]  52% · ranges 52/100 · 8 in flight · 520,000 rows · 725,163 rows/s · ETA 0.7s · 0.7s
 *
 * On a TTY it redraws in place (`\r` and erase-line) with a block bar. When
 * stdout is not a TTY (a pipe, a CI log) it writes plain lines with an ASCII
 * bar and no escape codes, at most one every few seconds, plus the final one.
 * rows/s and the ETA come from the last 10 s of samples while the run moves,
 * and from the whole run once it is over.
 */
import { isFinal, type RunStatusJson } from "./client.js";

const fmt = new Intl.NumberFormat("en-US");
const WINDOW_MS = 10_000;

/** Seconds as `0.7s`, `2m 03s`, `1h 02m`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.round(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

/** Percent of ranges finished (done or failed), rounded down. */
export function percent(run: Pick<RunStatusJson, "ranges" | "status">): number {
  const { total, done, failed } = run.ranges;
  if (total === 0) return isFinal(run) ? 100 : 0;
  return Math.floor(((done + failed) / total) * 100);
}

/** Wall time of the run so far, or of the whole run once it is over. */
export function runElapsedMs(run: Pick<RunStatusJson, "createdAt" | "finishedAt">, now = Date.now()): number {
  const end = run.finishedAt ? Date.parse(run.finishedAt) : now;
  return Math.max(0, end - Date.parse(run.createdAt));
}

export interface Rates {
  rowsPerSecond: number;
  /** null when unknown (nothing finished yet) or when the run is over. */
  etaMs: number | null;
}

/** rows/s and ETA from the status samples seen so far. */
export class RateMeter {
  private samples: Array<{ t: number; rows: number; finished: number }> = [];

  add(run: RunStatusJson, now = Date.now()): Rates {
    const finished = run.ranges.done + run.ranges.failed;
    if (isFinal(run)) {
      const secs = runElapsedMs(run, now) / 1000;
      return { rowsPerSecond: secs > 0 ? run.rows / secs : 0, etaMs: null };
    }
    this.samples.push({ t: now, rows: run.rows, finished });
    while (this.samples.length > 2 && now - (this.samples[0]?.t ?? now) > WINDOW_MS) this.samples.shift();
    const first = this.samples[0] ?? { t: now, rows: run.rows, finished };
    const dt = (now - first.t) / 1000;
    let rowsPerSecond: number;
    let rangesPerSecond: number;
    if (dt >= 1) {
      rowsPerSecond = (run.rows - first.rows) / dt;
      rangesPerSecond = (finished - first.finished) / dt;
    } else {
      const secs = runElapsedMs(run, now) / 1000;
      rowsPerSecond = secs > 0 ? run.rows / secs : 0;
      rangesPerSecond = secs > 0 ? finished / secs : 0;
    }
    const left = run.ranges.total - finished;
    return { rowsPerSecond, etaMs: rangesPerSecond > 0 ? (left / rangesPerSecond) * 1000 : null };
  }
}

export interface TextOptions {
  /** "unicode" on a terminal, "ascii" in logs. */
  bar?: "unicode" | "ascii";
  width?: number;
  now?: number;
}

/** The progress line for a run, without any escape code. */
export function progressText(run: RunStatusJson, rates: Rates, opts: TextOptions = {}): string {
  const { total, done, failed, running } = run.ranges;
  const pct = percent(run);
  const width = opts.width ?? 20;
  const filled = Math.round((pct / 100) * width);
  const [on, off] = opts.bar === "unicode" ? ["█", "░"] : ["#", "-"];
  const parts = [
    `${run.status.padEnd(9)} [${on.repeat(filled)}${off.repeat(width - filled)}] ${String(pct).padStart(3)}%`,
    `ranges ${fmt.format(done + failed)}/${fmt.format(total)}`,
  ];
  if (failed > 0) parts.push(`${fmt.format(failed)} failed`);
  if (!isFinal(run)) parts.push(`${fmt.format(running)} in flight`);
  parts.push(`${fmt.format(run.rows)} rows`, `${fmt.format(Math.round(rates.rowsPerSecond))} rows/s`);
  if (!isFinal(run)) parts.push(`ETA ${rates.etaMs === null ? "?" : formatDuration(rates.etaMs)}`);
  parts.push(formatDuration(runElapsedMs(run, opts.now)));
  return parts.join(" · ");
}

export interface ProgressOptions {
  /** Redraw in place; default: whether the stream is a TTY. */
  tty?: boolean;
  /** Without a TTY, the least time between two plain lines. Default 2 s. */
  plainEveryMs?: number;
}

/** One updating progress line on a stream (stdout by default). */
export class ProgressLine {
  private readonly meter = new RateMeter();
  private readonly tty: boolean;
  private readonly plainEveryMs: number;
  private lastPlain = 0;
  private ended = false;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
    opts: ProgressOptions = {},
  ) {
    this.tty = opts.tty ?? out.isTTY === true;
    this.plainEveryMs = opts.plainEveryMs ?? 2_000;
  }

  private text(run: RunStatusJson): string {
    return progressText(run, this.meter.add(run), { bar: this.tty ? "unicode" : "ascii" });
  }

  update(run: RunStatusJson): void {
    if (isFinal(run)) return this.done(run);
    const text = this.text(run);
    if (this.tty) {
      this.out.write(`\r\x1b[2K${text}`);
    } else if (Date.now() - this.lastPlain >= this.plainEveryMs) {
      this.lastPlain = Date.now();
      this.out.write(`${text}\n`);
    }
  }

  /** Ends the line with the final state; later calls do nothing. */
  done(run: RunStatusJson): void {
    if (this.ended) return;
    this.ended = true;
    const text = this.text(run);
    this.out.write(this.tty ? `\r\x1b[2K${text}\n` : `${text}\n`);
  }
}
