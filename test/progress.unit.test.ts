/**
 * Progress, pure code: the shared numbers of src/lib/progress.ts (percent,
 * elapsed, rows/s and ETA, durations) that the CLI, the demo and the dashboard
 * show, and the CLI's progress line (cli/progress.ts) on a fake terminal and
 * a fake pipe: redraw in place with a block bar on a TTY; plain, throttled
 * lines without escape codes otherwise.
 */
import { describe, expect, it } from "vitest";
import { ProgressLine, progressText, type LineSink } from "../cli/progress";
import type { RunStatus } from "../src/coordinator/types";
import { formatDuration, percent, RateMeter, runElapsedMs } from "../src/lib/progress";

function run(done: number, extra: Partial<RunStatus> = {}): RunStatus {
  return {
    runId: "r1", job: "orders-total", status: "running", phase: "main",
    keyType: "integer", bounds: { start: "1", end: "100000", endInclusive: true, endFromSnapshot: false },
    ranges: { total: 10, pending: 10 - done - 1, running: 1, done, failed: 0, oversized: 0 },
    concurrency: { limit: 8, effective: 8 },
    lanes: { active: 1, calls: 0 },
    planningMs: 3,
    rows: done * 10_000, canary: null, result: null, incremental: null, errors: [],
    pacing: { state: "running", reason: null, rate: { rangesPerSecond: null, rowsPerSecond: null }, health: null, pausedAt: null },
    options: { split: "uniform", rowsPerRange: 10_000, concurrency: 8, maxAttempts: 3, leaseSeconds: 60, timeoutSeconds: 30 },
    createdAt: new Date(Date.now() - 2_000).toISOString(), updatedAt: new Date().toISOString(), finishedAt: null,
    ...extra,
  };
}

class Sink implements LineSink {
  text = "";
  constructor(readonly isTTY: boolean) {}
  write(chunk: string) {
    this.text += chunk;
  }
}

describe("shared progress numbers", () => {
  it("percent counts failed ranges as finished, rounds down, and is 100 for an empty run once it is over", () => {
    expect(percent(run(3, { ranges: { total: 8, pending: 4, running: 0, done: 3, failed: 1, oversized: 0 } }))).toBe(50);
    expect(percent(run(0, { ranges: { total: 3, pending: 1, running: 0, done: 2, failed: 0, oversized: 0 } }))).toBe(66);
    expect(percent(run(0, { ranges: { total: 0, pending: 0, running: 0, done: 0, failed: 0, oversized: 0 } }))).toBe(0);
    expect(percent(run(0, { status: "cancelled", ranges: { total: 0, pending: 0, running: 0, done: 0, failed: 0, oversized: 0 } }))).toBe(100);
  });

  it("elapsed runs to now while going and to finishedAt once over", () => {
    const createdAt = "2026-01-01T00:00:00.000Z";
    const now = Date.parse(createdAt) + 5_000;
    expect(runElapsedMs({ createdAt, finishedAt: null }, now)).toBe(5_000);
    expect(runElapsedMs({ createdAt, finishedAt: "2026-01-01T00:00:01.500Z" }, now)).toBe(1_500);
    expect(runElapsedMs({ createdAt, finishedAt: null }, now - 10_000)).toBe(0); // clock skew never goes negative
  });

  it("rows/s and ETA come from the recent samples, not the whole run", () => {
    const meter = new RateMeter();
    const t0 = Date.parse(run(0).createdAt) + 2_000;
    meter.add(run(2), t0);
    const rates = meter.add(run(6), t0 + 2_000); // 4 ranges and 40,000 rows in 2 s
    expect(rates.rowsPerSecond).toBe(20_000);
    expect(rates.etaMs).toBe(2_000); // 4 ranges left at 2 per second
    // 12 s later the first sample is out of the 10 s window: only the last 10 s count.
    meter.add(run(7), t0 + 4_000);
    const later = meter.add(run(8), t0 + 14_000); // 1 range and 10,000 rows in the last 10 s
    expect(later.rowsPerSecond).toBe(1_000);
    expect(later.etaMs).toBe(20_000); // 2 ranges left at 0.1 per second
  });

  it("a finished run has the whole run's rate and no ETA", () => {
    const createdAt = "2026-01-01T00:00:00.000Z";
    const over = run(10, { status: "succeeded", createdAt, finishedAt: "2026-01-01T00:00:04.000Z" });
    expect(new RateMeter().add(over, Date.parse(createdAt) + 60_000)).toEqual({ rowsPerSecond: 25_000, etaMs: null });
  });

  it("formats durations for people", () => {
    expect([formatDuration(1_400), formatDuration(123_000), formatDuration(3_723_000), formatDuration(-5)]).toEqual([
      "1.4s", "2m 03s", "1h 02m", "0.0s",
    ]);
  });
});

describe("the CLI's progress line", () => {
  it("draws a block bar and redraws in place on a TTY", () => {
    const tty = new Sink(true);
    const line = new ProgressLine(tty);
    line.update(run(3));
    line.update(run(5));
    expect(tty.text.split("\r\x1b[2K")).toHaveLength(3);
    expect(tty.text).toContain("running   [██████████░░░░░░░░░░]  50% · ranges 5/10 · 1 lane · 50,000 rows");
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
    line.done(run(10, { status: "failed", rows: 90_000, ranges: { total: 10, pending: 0, running: 0, done: 9, failed: 1, oversized: 0 }, finishedAt: new Date().toISOString() }));
    expect(pipe.text).not.toContain("\x1b");
    const lines = pipe.text.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^running {3}\[##-{18}\] {2}10% · ranges 1\/10 · 1 lane · 10,000 rows · [\d,]+ rows\/s · ETA /);
    expect(lines[1]).toMatch(/^failed {4}\[#{20}\] 100% · ranges 10\/10 · 1 failed · 90,000 rows · [\d,]+ rows\/s · \d+\.\ds$/);
  });

  it("shows the rates it is given", () => {
    expect(progressText(run(6), { rowsPerSecond: 20_000, etaMs: 2_000 }, { bar: "ascii" })).toContain("20,000 rows/s · ETA 2.0s");
    expect(progressText(run(0), { rowsPerSecond: 0, etaMs: null }, { bar: "ascii" })).toContain("0 rows/s · ETA ?");
  });
});
