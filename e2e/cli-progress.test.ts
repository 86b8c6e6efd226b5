/**
 * The progress line the CLI and the demo share (dev/lib/progress.ts), on a
 * fake terminal and a fake pipe: redraw in place with a block bar on a TTY;
 * plain, throttled lines without escape codes otherwise; rows/s and ETA.
 */
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { RunStatusJson } from "../dev/lib/client.js";
import { formatDuration, ProgressLine, progressText, RateMeter } from "../dev/lib/progress.js";

function run(done: number, extra: Partial<RunStatusJson> = {}): RunStatusJson {
  return {
    runId: "r1", job: "orders-total", status: "running", phase: "main",
    bounds: { start: "1", end: "100000" },
    ranges: { total: 10, pending: 10 - done - 1, running: 1, done, failed: 0 },
    rows: done * 10_000, result: null, errors: [],
    createdAt: new Date(Date.now() - 2_000).toISOString(), updatedAt: new Date().toISOString(), finishedAt: null,
    ...extra,
  };
}

class Sink extends Writable {
  text = "";
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

describe("progress line", () => {
  it("draws a block bar and redraws in place on a TTY", () => {
    const tty = new Sink(true);
    const line = new ProgressLine(tty);
    line.update(run(3));
    line.update(run(5));
    expect(tty.text.split("\r\x1b[2K")).toHaveLength(3);
    expect(tty.text).toContain("running   [██████████░░░░░░░░░░]  50% · ranges 5/10 · 1 in flight · 50,000 rows");
    expect(tty.text).not.toContain("\n");
    const final = run(10, { status: "succeeded", finishedAt: new Date().toISOString() });
    line.done(final);
    line.done(final); // idempotent: the demo and the CLI both end the line
    expect(tty.text.endsWith("\n")).toBe(true);
    expect(tty.text.match(/succeeded/g)).toHaveLength(1);
  });

  it("writes plain throttled lines with an ASCII bar and no escape codes elsewhere", () => {
    const pipe = new Sink(false);
    const line = new ProgressLine(pipe, { plainEveryMs: 60_000 });
    line.update(run(1));
    line.update(run(2)); // within the interval: not printed
    line.done(run(10, { status: "failed", rows: 90_000, ranges: { total: 10, pending: 0, running: 0, done: 9, failed: 1 }, finishedAt: new Date().toISOString() }));
    expect(pipe.text).not.toContain("\x1b");
    const lines = pipe.text.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^running {3}\[##-{18}\] {2}10% · ranges 1\/10 · 1 in flight · 10,000 rows · [\d,]+ rows\/s · ETA /);
    expect(lines[1]).toMatch(/^failed {4}\[#{20}\] 100% · ranges 10\/10 · 1 failed · 90,000 rows · [\d,]+ rows\/s · \d+\.\ds$/);
  });

  it("rows/s and ETA come from recent samples", () => {
    const meter = new RateMeter();
    const t0 = Date.parse(run(0).createdAt) + 2_000;
    meter.add(run(2), t0);
    const rates = meter.add(run(6), t0 + 2_000); // 4 ranges and 40,000 rows in 2 s
    expect(rates.rowsPerSecond).toBe(20_000);
    expect(rates.etaMs).toBe(2_000); // 4 ranges left at 2 per second
    expect(progressText(run(6), rates, { bar: "ascii" })).toContain("20,000 rows/s · ETA 2.0s");
    expect([formatDuration(1_400), formatDuration(123_000), formatDuration(3_723_000)]).toEqual(["1.4s", "2m 03s", "1h 02m"]);
  });
});
