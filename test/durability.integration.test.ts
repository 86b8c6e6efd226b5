/**
 * Durable state (DESIGN invariant 5) and many runs at once, shown in the
 * Workers runtime through the public API only, so the tests hold whatever
 * carries ranges between the Coordinator and the consumer (queue messages per
 * range today, lanes tomorrow).
 *
 * - Eviction: `abortAllDurableObjects()` (cloudflare:test) resets every
 *   Durable Object instance mid-run and keeps their storage, as a restart of
 *   the runtime does: in-memory state (timers, the armed alarm it remembers,
 *   watchers) is gone, the ledger is not. The run must still finish, exactly.
 * - 50 runs started at once across several jobs: every result exact, the
 *   history lists all 50 as succeeded with their rows (paged 20 at a time),
 *   and no request answers 5xx.
 */
import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { RunStatus } from "../src/coordinator/types";
import type { HistoryPage } from "../src/history/entry";
import { api, expectTiles, allRanges, getRun, ordersTruth, startRun, waitForRun } from "./helpers";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(runId: string, done: (run: RunStatus) => boolean): Promise<RunStatus> {
  for (const deadline = Date.now() + 60_000; ; await sleep(50)) {
    const run = await getRun(runId);
    if (done(run)) return run;
    if (run.status !== "running") throw new Error(`the run ended (${run.status}) too early: ${JSON.stringify(run.ranges)}`);
    if (Date.now() > deadline) throw new Error(`run ${runId} did not get there: ${JSON.stringify(run.ranges)}`);
  }
}

describe("durable state", () => {
  it("finishes a run exactly when every Durable Object is evicted mid-run, twice (abortAllDurableObjects)", async () => {
    // 50 ranges of ~150 ms at concurrency 3: a few seconds, with ranges in flight at every moment.
    const started = await startRun("test-slow", { rowsPerRange: 1_000, concurrency: 3, leaseSeconds: 2, canary: false, params: { sleepMs: 150 } });
    const total = started.ranges.total;
    for (const share of [0.2, 0.5]) {
      const before = await waitUntil(started.runId, (r) => r.ranges.done >= total * share && r.ranges.running > 0);
      await abortAllDurableObjects();
      const after = await getRun(started.runId);
      // Nothing of the ledger was lost with the instance.
      expect(after.ranges.done).toBeGreaterThanOrEqual(before.ranges.done);
      expect(after.rows).toBeGreaterThanOrEqual(before.rows);
    }
    const run = await waitForRun(started.runId);
    expect(run.status, JSON.stringify(run.errors)).toBe("succeeded");
    expect(run.ranges).toMatchObject({ total, done: total, failed: 0, running: 0, pending: 0 });
    expect(run.result).toEqual(await ordersTruth());
    expectTiles(await allRanges(started.runId), BigInt(run.bounds.start ?? "x"), BigInt(run.bounds.end ?? "x"));
  });
});

describe("a lost alarm", () => {
  it("is re-armed when the run's status is read, so a run whose alarm died with its runtime does not stall", async () => {
    // One range at a time, each far longer than the test's window: no report re-arms the alarm meanwhile.
    const started = await startRun("test-slow", { rowsPerRange: 10_000, concurrency: 1, canary: false, params: { sleepMs: 8_000 } });
    const stub = env.COORDINATOR.get(env.COORDINATOR.idFromName(started.runId));
    // What a runtime killed mid-alarm can leave behind (e2e/orphans.ts): no alarm at all.
    await runInDurableObject(stub, (_instance, state) => state.storage.deleteAlarm());
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).toBeNull();
    expect((await getRun(started.runId)).status).toBe("running");
    // One status read, then no more: the alarm it armed runs at once and arms the next one.
    let alarm: number | null = null;
    for (const deadline = Date.now() + 2_000; alarm === null && Date.now() < deadline; await sleep(50)) {
      alarm = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    }
    expect(alarm, "an alarm is armed again after the status read").not.toBeNull();
    expect(await api(`/api/runs/${started.runId}/cancel`, { method: "POST" }).then((r) => r.status)).toBe(200);
    await waitForRun(started.runId);
  });
});

describe("many runs at once", () => {
  it("runs 50 runs started at once across five jobs: every result exact, all 50 in the history, no 5xx", async () => {
    const jobs = [
      { job: "orders-total", table: "orders", rowsPerRange: 10_000 },
      { job: "sum-t-dense", table: "t_dense", rowsPerRange: 5_000 },
      { job: "sum-t-gaps", table: "t_gaps", rowsPerRange: 5_000 },
      { job: "sum-t-skewed", table: "t_skewed", rowsPerRange: 10_000 },
      { job: "sum-t-small", table: "t_small", rowsPerRange: 10 },
    ];
    const statuses: number[] = [];
    const call = async (path: string, init: RequestInit = {}) => {
      const res = await api(path, init);
      statuses.push(res.status);
      return res;
    };
    const plans = Array.from({ length: 50 }, (_, i) => jobs[i % jobs.length] ?? jobs[0]);
    const started = await Promise.all(
      plans.map(async (p) => {
        const res = await call(`/api/jobs/${p?.job}/runs`, {
          method: "POST",
          body: JSON.stringify({ rowsPerRange: p?.rowsPerRange, concurrency: 2, canary: false }),
        });
        expect(res.status, await res.clone().text()).toBe(202);
        return { ...p, runId: ((await res.json()) as RunStatus).runId };
      }),
    );
    expect(new Set(started.map((s) => s.runId)).size).toBe(50);

    const truths = new Map<string, unknown>();
    for (const j of jobs) truths.set(j.table, await ordersTruth(j.table));
    const finals = await Promise.all(started.map((s) => waitForRun(s.runId, 120_000)));
    finals.forEach((run, i) => {
      expect(run.status, `${run.job}: ${JSON.stringify(run.errors)}`).toBe("succeeded");
      expect(run.result, run.job).toEqual(truths.get(started[i]?.table ?? ""));
    });

    // The history catches up with each run's final status (the Coordinator does not wait for that write).
    const want = new Map(finals.map((run) => [run.runId, run.rows]));
    let missing: string[] = [];
    for (const deadline = Date.now() + 15_000; ; await sleep(200)) {
      const listed = new Map<string, { status: string; rows: number }>();
      let cursor: string | null = null;
      do {
        const res = await call(`/api/runs?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
        expect(res.status).toBe(200);
        const page = (await res.json()) as HistoryPage;
        page.runs.forEach((r) => listed.set(r.runId, r));
        cursor = page.nextCursor;
      } while (cursor);
      missing = [...want].filter(([id, rows]) => listed.get(id)?.status !== "succeeded" || listed.get(id)?.rows !== rows).map(([id]) => id);
      if (missing.length === 0 || Date.now() > deadline) break;
    }
    expect(missing, "runs the history does not list as succeeded with their rows").toEqual([]);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
  });
});
