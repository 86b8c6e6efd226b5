/**
 * What the dashboard and the CLI read, in the Workers runtime against the real
 * database: the page itself (no token, a strict CSP, nothing from elsewhere),
 * the binned range strip, and the Coordinator's Server-Sent Events.
 */
import { describe, expect, it } from "vitest";
import type { RunStatus } from "../src/coordinator/types";
import type { Strip } from "../src/coordinator/strip";
import { api, ordersTruth, query, startRun, waitForRun } from "./helpers";

type StripJson = Strip & { runId: string };

async function strip(runId: string, bins: number): Promise<StripJson> {
  const res = await api(`/api/runs/${runId}/strip?bins=${bins}`);
  expect(res.status).toBe(200);
  return (await res.json()) as StripJson;
}

/** Reads a whole `text/event-stream` body into its `status` events. */
async function readEvents(res: Response): Promise<RunStatus[]> {
  if (!res.body) throw new Error("no body");
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const events: RunStatus[] = [];
  let buf = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += value;
    let at: number;
    while ((at = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, at).split("\n");
      buf = buf.slice(at + 2);
      expect(block[0]).toBe("event: status");
      events.push(JSON.parse(block.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n")) as RunStatus);
    }
  }
  expect(buf).toBe("");
  return events;
}

describe("the dashboard page", () => {
  it("is served at / without a token, under a CSP that allows scripts, styles and requests from this origin only", async () => {
    const res = await api("/", { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = (res.headers.get("content-security-policy") ?? "").split("; ");
    expect(csp).toEqual(expect.arrayContaining(["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'"]));
    expect(csp.join("; ")).not.toMatch(/unsafe-inline|unsafe-eval|nonce-|https?:/);
    const html = await res.text();
    expect(html.startsWith("<!doctype html>")).toBe(true);
    // The bundled browser code, as files of this origin (Workers Static Assets), never inline.
    expect(html).toContain('<script type="module" src="/ui/dashboard.js"></script>');
    expect(html).toContain('<link rel="stylesheet" href="/ui/dashboard.css"/>');
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>|<style/);
    expect(html).toContain('id="strip"');
    // Nothing is loaded from elsewhere: no absolute or protocol-relative URL in any src or href.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it("keeps /api closed without a token", async () => {
    expect((await api("/api/runs/x/strip", { token: null })).status).toBe(401);
    expect((await api("/api/runs/x/events", { token: null })).status).toBe(401);
  });
});

describe("GET /api/runs/:runId/strip", () => {
  it("bins the ranges in key order: contiguous bins over the bounds, counts and rows that add up", async () => {
    const run = await waitForRun((await startRun("orders-total", { rowsPerRange: 1_000, split: "uniform" })).runId);
    const truth = await ordersTruth();
    expect(run.ranges.total).toBe(50);

    const binned = await strip(run.runId, 10);
    expect(binned.total).toBe(50);
    expect(binned.bins).toHaveLength(10);
    expect(binned.bins.every((b) => b.ranges === 5 && b.done === 5 && b.rangeId === null && b.error === null)).toBe(true);
    expect(binned.bins[0]?.start).toBe(run.bounds.start);
    expect(binned.bins.at(-1)?.end).toBe(run.bounds.end);
    binned.bins.slice(1).forEach((b, i) => expect(BigInt(b.start ?? "")).toBe(BigInt(binned.bins[i]?.end ?? "") + 1n));
    expect(binned.bins.reduce((n, b) => n + b.rows, 0)).toBe(truth.rows);
    expect(binned.bins.every((b) => b.maxDurationMs !== null && b.maxAttempts === 1)).toBe(true);

    // More bins than ranges: one range per bin, with its id.
    const each = await strip(run.runId, 200);
    expect(each.bins).toHaveLength(50);
    expect(each.bins.map((b) => b.rangeId).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([...Array(50).keys()]);
  });

  it("shows a failed range with its keys, attempt and Postgres error", async () => {
    const poisonKey = 31_337n;
    await query("INSERT INTO poison_keys (key) VALUES ($1) ON CONFLICT DO NOTHING", [poisonKey.toString()]);
    try {
      const run = await waitForRun((await startRun("test-poison", { rowsPerRange: 2_500, split: "uniform", canary: false })).runId);
      expect(run.status).toBe("failed");
      const s = await strip(run.runId, 5);
      const failed = s.bins.filter((b) => b.failed > 0);
      expect(failed).toHaveLength(1);
      const bin = failed[0];
      if (!bin) throw new Error("no failed bin");
      expect(BigInt(bin.start ?? "") <= poisonKey && poisonKey <= BigInt(bin.end ?? "")).toBe(true);
      expect(bin).toMatchObject({ ranges: 4, failed: 1, done: 3 });
      expect(bin.error).toMatchObject({ attempt: 1, code: "22012", message: expect.stringMatching(/division by zero/) });
      const bad = run.errors.find((e) => e.rangeId === bin.error?.rangeId);
      expect(bad && BigInt(bad.start ?? "") <= poisonKey && poisonKey <= BigInt(bad.end ?? "")).toBe(true);
    } finally {
      await query("DELETE FROM poison_keys WHERE key = $1", [poisonKey.toString()]);
    }
  });

  it("answers 400 for a bad bins value and 404 for an unknown run", async () => {
    const run = await startRun("orders-total", { start: "1", end: "1000" });
    for (const bins of ["0", "-3", "abc", "2001", "1.5"]) {
      const res = await api(`/api/runs/${run.runId}/strip?bins=${bins}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_query");
    }
    expect((await api("/api/runs/no-such-run/strip")).status).toBe(404);
    await waitForRun(run.runId);
  });
});

describe("GET /api/runs/:runId/events", () => {
  it("pushes the status as the run moves and ends the stream with the final status", async () => {
    const started = await startRun("test-slow", { rowsPerRange: 2_500, concurrency: 2, split: "uniform", params: { sleepMs: 60 } });
    const res = await api(`/api/runs/${started.runId}/events`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = await readEvents(res);
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(events[0]?.status).toBe("running");
    const done = events.map((e) => e.ranges.done);
    expect(done).toEqual([...done].sort((a, b) => a - b)); // progress never goes back
    const last = events.at(-1);
    expect(last?.status).toBe("succeeded");
    expect(last?.ranges.done).toBe(20);
    expect(last?.result).toEqual(await ordersTruth());
    expect(events.slice(0, -1).every((e) => e.status === "running")).toBe(true);
  });

  it("sends one event and ends at once for a finished run; 404 for an unknown run", async () => {
    const run = await waitForRun((await startRun("orders-total", { start: "1", end: "3000" })).runId);
    const events = await readEvents(await api(`/api/runs/${run.runId}/events`));
    expect(events).toEqual([run]);
    const missing = await api("/api/runs/no-such-run/events");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: "run_not_found", message: expect.any(String) } });
  });
});
