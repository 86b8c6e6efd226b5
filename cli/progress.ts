/**
 * The progress line of the CLI (`rangemap watch`, `run --watch`) and of
 * `npm run demo`: a bar, ranges done/total, rows, rows/s, ETA, elapsed.
 *
 *   running   [##########----------]  52% · ranges 52/100 · 8 lanes · 520,000 rows · 725,163 rows/s · ETA 0.7s · 0.7s
 *
 * On a TTY it redraws in place (`\r` and erase-line) with a block bar. When
 * stdout is not a TTY (a pipe, a CI log) it writes plain lines with an ASCII
 * bar and no escape codes, at most one every few seconds, plus the final one.
 * The numbers (percent, rows/s, ETA, elapsed) come from src/lib/progress.ts,
 * which the dashboard shares; only the drawing is the terminal's own. No Node
 * API here (the caller passes the stream), so the unit tests run it in workerd.
 */
import { isFinished, type RunStatus } from "../src/coordinator/types.js";
import { formatDuration, percent, RateMeter, runElapsedMs, type Rates } from "../src/lib/progress.js";

const fmt = new Intl.NumberFormat("en-US");

export interface TextOptions {
  /** "unicode" on a terminal, "ascii" in logs. */
  bar?: "unicode" | "ascii";
  width?: number;
  now?: number;
}

/** The progress line for a run, without any escape code. */
export function progressText(run: RunStatus, rates: Rates, opts: TextOptions = {}): string {
  const { total, done, failed } = run.ranges;
  const over = isFinished(run.status);
  const pct = percent(run);
  const width = opts.width ?? 20;
  const filled = Math.round((pct / 100) * width);
  const [on, off] = opts.bar === "unicode" ? ["█", "░"] : ["#", "-"];
  const parts = [
    `${run.status.padEnd(9)} [${on.repeat(filled)}${off.repeat(width - filled)}] ${String(pct).padStart(3)}%`,
    `ranges ${fmt.format(done + failed)}/${fmt.format(total)}`,
  ];
  if (failed > 0) parts.push(`${fmt.format(failed)} failed`);
  if (!over) parts.push(`${fmt.format(run.lanes.active)} ${run.lanes.active === 1 ? "lane" : "lanes"}`);
  parts.push(`${fmt.format(run.rows)} rows`, `${fmt.format(Math.round(rates.rowsPerSecond))} rows/s`);
  if (!over) parts.push(`ETA ${rates.etaMs === null ? "?" : formatDuration(rates.etaMs)}`);
  parts.push(formatDuration(runElapsedMs(run, opts.now)));
  return parts.join(" · ");
}

export interface ProgressOptions {
  /** Redraw in place; default: whether the stream is a TTY. */
  tty?: boolean;
  /** Without a TTY, the least time between two plain lines. Default 2 s. */
  plainEveryMs?: number;
}

/** Where the line goes: process.stdout in the CLI and the demo. */
export interface LineSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** One updating progress line on a stream. */
export class ProgressLine {
  private readonly meter = new RateMeter();
  private readonly tty: boolean;
  private readonly plainEveryMs: number;
  private lastPlain = 0;
  private ended = false;

  constructor(
    private readonly out: LineSink,
    opts: ProgressOptions = {},
  ) {
    this.tty = opts.tty ?? out.isTTY === true;
    this.plainEveryMs = opts.plainEveryMs ?? 2_000;
  }

  private text(run: RunStatus): string {
    return progressText(run, this.meter.add(run), { bar: this.tty ? "unicode" : "ascii" });
  }

  update(run: RunStatus): void {
    if (isFinished(run.status)) return this.done(run);
    const text = this.text(run);
    if (this.tty) {
      this.out.write(`\r\x1b[2K${text}`);
    } else if (Date.now() - this.lastPlain >= this.plainEveryMs) {
      this.lastPlain = Date.now();
      this.out.write(`${text}\n`);
    }
  }

  /** Ends the line with the final state; later calls do nothing. */
  done(run: RunStatus): void {
    if (this.ended) return;
    this.ended = true;
    const text = this.text(run);
    this.out.write(this.tty ? `\r\x1b[2K${text}\n` : `${text}\n`);
  }
}
