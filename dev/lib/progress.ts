/**
 * One updating progress line for a run: ranges done/total, rows/s, elapsed.
 * On a TTY it redraws in place; otherwise it prints a plain line at most every
 * few seconds, so logs stay readable.
 */
import type { RunStatusJson } from "./client.js";

const fmt = new Intl.NumberFormat("en-US");

export function progressText(run: RunStatusJson, elapsedMs: number): string {
  const { total, done, failed, running } = run.ranges;
  const finished = done + failed;
  const pct = total === 0 ? 100 : Math.floor((finished / total) * 100);
  const secs = elapsedMs / 1000;
  const rate = secs > 0 ? Math.round(run.rows / secs) : 0;
  const parts = [
    `${run.status.padEnd(9)}`,
    `ranges ${fmt.format(finished)}/${fmt.format(total)} (${pct}%)`,
    `${fmt.format(running)} in flight`,
    `${fmt.format(run.rows)} rows`,
    `${fmt.format(rate)} rows/s`,
    `${secs.toFixed(1)}s`,
  ];
  if (failed > 0) parts.splice(2, 0, `${fmt.format(failed)} failed`);
  return parts.join(" · ");
}

export class ProgressLine {
  private readonly started = Date.now();
  private lastPlain = 0;
  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  update(run: RunStatusJson): void {
    const text = progressText(run, Date.now() - this.started);
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${text}`);
    } else if (Date.now() - this.lastPlain >= 2000) {
      this.lastPlain = Date.now();
      this.out.write(`${text}\n`);
    }
  }

  /** Ends the line with the final state. */
  done(run: RunStatusJson): void {
    const text = progressText(run, Date.now() - this.started);
    this.out.write(this.out.isTTY ? `\r\x1b[2K${text}\n` : `${text}\n`);
  }
}
