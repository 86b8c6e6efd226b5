/**
 * The run history (`GET /api/runs`) from the RunIndex Durable Object, fed by
 * each Coordinator on its status changes: newest first, filtered by job and
 * status, paged by cursor across several pages with no run lost or repeated;
 * and Idempotency-Key giving one run however often (or concurrently) a start
 * is sent.
 */
import { describe, expect, it } from "vitest";
import type { HistoryPage, HistoryView } from "../src/history/entry";
import { api, ordersTruth, startRun, waitForRun } from "./helpers";

// A job of its own (test/jobs/index.ts), so runs started by other test files never show up here.
const JOB = "test-history";

async function list(query: string): Promise<HistoryPage> {
  const res = await api(`/api/runs?${query}`);
  if (res.status !== 200) throw new Error(`GET /api/runs?${query}: ${res.status} ${await res.text()}`);
  return (await res.json()) as HistoryPage;
}

/** Every page of a query, following nextCursor. */
async function allPages(query: string): Promise<HistoryView[][]> {
  const pages: HistoryView[][] = [];
  let cursor: string | null = null;
  do {
    const page: HistoryPage = await list(cursor === null ? query : `${query}&cursor=${encodeURIComponent(cursor)}`);
    pages.push(page.runs);
    cursor = page.nextCursor;
  } while (cursor !== null && pages.length < 50);
  return pages;
}

/** Polls the history until `check` holds (the finished status is sent without waiting). */
async function eventually(query: string, check: (runs: HistoryView[]) => boolean): Promise<HistoryView[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const runs = (await list(query)).runs;
    if (check(runs)) return runs;
    if (Date.now() > deadline) throw new Error(`history never matched: ${JSON.stringify(runs)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("GET /api/runs", () => {
  it("lists a job's runs newest first and pages through them exactly, over 4 pages", async () => {
    const started: Array<{ runId: string; createdAt: string }> = [];
    for (let i = 0; i < 7; i++) {
      started.push(await startRun(JOB, { start: String(1 + i * 100), end: String(100 + i * 100), canary: false }));
    }
    // A run is listed as soon as it is started.
    const first = await list(`job=${JOB}&limit=100`);
    expect(first.runs.map((r) => r.runId)).toEqual(expect.arrayContaining(started.map((s) => s.runId)));
    for (const s of started) expect((await waitForRun(s.runId)).status).toBe("succeeded");

    const pages = await allPages(`job=${JOB}&limit=2`);
    const ours = new Set(started.map((s) => s.runId));
    const seen = pages.flat().map((r) => r.runId).filter((id) => ours.has(id));
    expect(pages.length).toBeGreaterThanOrEqual(4);
    expect(pages.slice(0, -1).every((p) => p.length === 2)).toBe(true);
    // Each run exactly once, newest first (ties broken by run id, descending).
    const newestFirst = [...started]
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || (a.runId < b.runId ? 1 : -1))
      .map((s) => s.runId);
    expect(seen).toEqual(newestFirst);
    const all = pages.flat();
    expect(new Set(all.map((r) => r.runId)).size).toBe(all.length);
    for (let i = 1; i < all.length; i++) {
      expect((all[i - 1]?.createdAt ?? "") >= (all[i]?.createdAt ?? "")).toBe(true);
    }
  });

  it("shows each run's final status, rows and trigger, and filters by status", async () => {
    const run = await startRun(JOB, { start: "1", end: "2500", canary: false });
    const done = await waitForRun(run.runId);
    const truth = await ordersTruth("orders", 1n, 2500n);
    const [entry] = await eventually(`job=${JOB}&status=succeeded&limit=100`, (runs) => runs.some((r) => r.runId === run.runId))
      .then((runs) => runs.filter((r) => r.runId === run.runId));
    expect(entry).toEqual({
      runId: run.runId,
      job: JOB,
      status: "succeeded",
      trigger: "api",
      rows: truth.rows,
      note: null,
      incremental: null,
      createdAt: done.createdAt,
      updatedAt: done.updatedAt,
      finishedAt: done.finishedAt,
    });
    const failed = await list(`job=${JOB}&status=failed&limit=100`);
    expect(failed.runs.map((r) => r.runId)).not.toContain(run.runId);
    // Without a job filter the newest runs of every job are listed, this one among them.
    const everyJob = await list("limit=100");
    expect(everyJob.runs.map((r) => r.runId)).toContain(run.runId);
  });

  it("records a cancel", async () => {
    const run = await startRun(JOB, { rowsPerRange: 100, concurrency: 1, canary: false });
    const res = await api(`/api/runs/${run.runId}/cancel`, { method: "POST" });
    expect(res.status).toBe(200);
    const [entry] = await eventually(`job=${JOB}&status=cancelled&limit=100`, (runs) => runs.some((r) => r.runId === run.runId));
    expect(entry).toMatchObject({ runId: run.runId, status: "cancelled" });
    expect(entry?.finishedAt).not.toBeNull();
  });

  it("answers 400 for a bad limit, status, job or cursor", async () => {
    for (const query of ["limit=0", "limit=101", "limit=x", "status=done", "job=Not%20A%20Job", "cursor=garbage", "cursor=1.bad%20id"]) {
      const res = await api(`/api/runs?${query}`);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_query");
    }
    expect((await api("/api/runs", { token: null })).status).toBe(401);
  });
});

describe("Idempotency-Key", () => {
  it("gives one run for the same key, even when the starts race, and lists it once", async () => {
    const key = `race-${crypto.randomUUID()}`;
    const body = { start: "1", end: "3000", canary: false };
    const responses = await Promise.all(
      [0, 1, 2, 3].map(() =>
        api(`/api/jobs/${JOB}/runs`, { method: "POST", body: JSON.stringify(body), headers: { "idempotency-key": key } }),
      ),
    );
    const runs = (await Promise.all(responses.map(async (r) => {
      expect(r.status).toBe(202);
      return (await r.json()) as { runId: string; created: boolean };
    })));
    expect(new Set(runs.map((r) => r.runId)).size).toBe(1);
    expect(runs.filter((r) => r.created)).toHaveLength(1);
    const later = await startRun(JOB, body, { "idempotency-key": key });
    expect(later.runId).toBe(runs[0]?.runId);
    const other = await startRun(JOB, body, { "idempotency-key": `${key}-other` });
    expect(other.runId).not.toBe(later.runId);
    expect((await waitForRun(later.runId)).result).toEqual(await ordersTruth("orders", 1n, 3000n));
    const listed = (await list(`job=${JOB}&limit=100`)).runs.filter((r) => r.runId === later.runId);
    expect(listed).toHaveLength(1);
    await waitForRun(other.runId);
  });
});
