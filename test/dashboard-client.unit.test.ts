/**
 * The DOM-free parts of the dashboard's browser code (src/ui/client): reading
 * Server-Sent Events from text that arrives in arbitrary chunks, and the
 * rows/s and ETA shown on the run page. The rest of the browser code runs in
 * real Chromium (e2e/dashboard.browser.test.ts).
 */
import { describe, expect, it } from "vitest";
import { measure, percent, type ProgressSample, type RunProgress } from "../src/ui/client/progress";
import { EventSplitter } from "../src/ui/client/sse";

describe("EventSplitter", () => {
  it("yields each event's data once it is complete, whatever the chunk boundaries", () => {
    const stream = 'event: status\ndata: {"a":1}\n\nevent: status\ndata: {"b":\ndata: 2}\n\n: keep-alive\n\nevent: status\ndata: {"c":3}\n\n';
    const expected = ['{"a":1}', '{"b":\n2}', '{"c":3}'];
    for (let size = 1; size <= stream.length; size++) {
      const split = new EventSplitter();
      const got: string[] = [];
      for (let at = 0; at < stream.length; at += size) got.push(...split.push(stream.slice(at, at + size)));
      expect(got, `chunks of ${size}`).toEqual(expected);
    }
  });

  it("keeps an unfinished event until its blank line arrives", () => {
    const split = new EventSplitter();
    expect(split.push("data: 1\n")).toEqual([]);
    expect(split.push("\n")).toEqual(["1"]);
  });
});

describe("measure (rows/s and ETA)", () => {
  const t0 = Date.parse("2026-01-01T00:00:00Z");
  const run = (at: number, done: number, rows: number, status: RunProgress["status"] = "running"): RunProgress => ({
    status,
    ranges: { total: 100, pending: 100 - done, running: 0, done, failed: 0 },
    rows,
    createdAt: new Date(t0).toISOString(),
    finishedAt: status === "running" ? null : new Date(t0 + at).toISOString(),
  });

  it("measures over the last 10 s of samples, so a run that slows down shows it", () => {
    let samples: ProgressSample[] = [];
    let rates = { rowsPerSecond: 0, etaMs: null as number | null };
    // 10 ranges (1,000 rows) a second for 20 s, then 1 range (100 rows) a second.
    for (let s = 1; s <= 20; s++) ({ rates, samples } = measure(samples, run(s * 1000, s * 2, s * 200), t0 + s * 1000));
    expect(rates.rowsPerSecond).toBeCloseTo(200);
    expect(rates.etaMs).toBeCloseTo((60 / 2) * 1000);
    for (let s = 21; s <= 40; s++) {
      const done = 40 + (s - 20);
      ({ rates, samples } = measure(samples, run(s * 1000, done, done * 100), t0 + s * 1000));
    }
    expect(rates.rowsPerSecond).toBeCloseTo(100);
    expect(rates.etaMs).toBeCloseTo(40 * 1000);
    expect(samples.length).toBeLessThanOrEqual(12);
  });

  it("uses the whole run while the window is under a second, and has no ETA before anything finished", () => {
    const first = measure([], run(500, 0, 0), t0 + 500);
    expect(first.rates).toEqual({ rowsPerSecond: 0, etaMs: null });
    const second = measure([], run(2000, 10, 4000), t0 + 2000);
    expect(second.rates.rowsPerSecond).toBeCloseTo(2000);
    expect(second.rates.etaMs).toBeCloseTo(18_000);
  });

  it("reports the whole run's rate and no ETA once the run is final", () => {
    const { rates } = measure([{ t: t0, rows: 0, finished: 0 }], run(4000, 100, 8000, "succeeded"), t0 + 60_000);
    expect(rates).toEqual({ rowsPerSecond: 2000, etaMs: null });
    expect(percent(run(4000, 100, 8000, "succeeded"))).toBe(100);
    expect(percent({ status: "running", ranges: { total: 3, pending: 1, running: 0, done: 1, failed: 1 } })).toBe(66);
  });
});
