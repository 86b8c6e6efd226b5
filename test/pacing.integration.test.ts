/**
 * Pacing (issue 14), through the real API, Coordinator, queue and lanes,
 * against the real Postgres. Each check reads the ledger's per-range start
 * times (`startedAt`, the lane's clock when it began the range), not the
 * Coordinator's own counters, and every result is compared with one SQL
 * statement:
 *
 * - a rate limit (ranges/s, and rows/s) holds over every 10-second window of
 *   a run that lasts over 25 s (both runs at once, to spend the wall time once);
 * - a health check that turns unhealthy pauses dispatch; healthy resumes it;
 * - pause and resume by hand; and a paused run's leases end without failing
 *   its ranges.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { Lanes } from "../src/coordinator/lanes";
import { Ledger } from "../src/coordinator/ledger";
import { expirePaused, pauseRun } from "../src/coordinator/pause";
import { migrate } from "../src/coordinator/schema";
import type { RangeView } from "../src/coordinator/status";
import type { RunStatus } from "../src/coordinator/types";
import { planUniform } from "../src/planning/uniform";
import { allRanges, api, getRun, ledgerRanges, ordersTruth, query, startRun, waitForRun } from "./helpers";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const WINDOW_MS = 10_000;

/** Start times (epoch ms) of every range attempt the ledger says began, sorted. */
function startTimes(ranges: RangeView[]): number[] {
  return ranges.flatMap((r) => (r.startedAt === null ? [] : [Date.parse(r.startedAt)])).sort((a, b) => a - b);
}

/**
 * The most that any 10-second window of the run holds: of `weight` summed
 * over the events whose time falls in it. The busiest window starts at an
 * event, so windows are anchored at each one.
 */
function busiestWindow(events: Array<{ at: number; weight: number }>): number {
  const sorted = [...events].sort((a, b) => a.at - b.at);
  let most = 0;
  for (let i = 0; i < sorted.length; i++) {
    const from = sorted[i]?.at ?? 0;
    let sum = 0;
    for (let j = i; j < sorted.length && (sorted[j]?.at ?? Infinity) < from + WINDOW_MS; j++) sum += sorted[j]?.weight ?? 0;
    most = Math.max(most, sum);
  }
  return most;
}

/** The least that a 10-second window lying wholly between the first and the last start holds. */
function leanestWindow(events: Array<{ at: number; weight: number }>): number {
  const sorted = [...events].sort((a, b) => a.at - b.at);
  const last = sorted.at(-1)?.at ?? 0;
  let least = Infinity;
  for (const e of sorted) {
    if (e.at + WINDOW_MS > last) break;
    least = Math.min(least, sorted.filter((x) => x.at >= e.at && x.at < e.at + WINDOW_MS).reduce((s, x) => s + x.weight, 0));
  }
  return least;
}

async function post(path: string): Promise<Response> {
  return api(path, { method: "POST" });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe("rate limits", () => {
  it("holds ranges per second, and rows per second, within 10% over every 10-second window of a 25-second run", async () => {
    // 112 ranges at 4 ranges/s, and 140 ranges of 250 rows at 1,300 rows/s: each about 27 s.
    const byRanges = await startRun("test-paced", { start: "1", end: "44800", split: "uniform", rowsPerRange: 400, concurrency: 4, rate: { rangesPerSecond: 4 } });
    const byRows = await startRun("test-paced", { start: "1", end: "35000", split: "uniform", rowsPerRange: 250, concurrency: 4, rate: { rowsPerSecond: 1_300 } });
    expect(byRanges.ranges.total).toBe(112);
    expect(byRows.ranges.total).toBe(140);
    await sleep(3_000);
    const live = await getRun(byRanges.runId);
    expect(live.pacing).toMatchObject({ state: "waiting-rate", rate: { rangesPerSecond: 4, rowsPerSecond: null } });

    const [doneRanges, doneRows] = await Promise.all([waitForRun(byRanges.runId, 90_000), waitForRun(byRows.runId, 90_000)]);
    expect(doneRanges.status).toBe("succeeded");
    expect(doneRows.status).toBe("succeeded");
    expect(doneRanges.result).toEqual(await ordersTruth("orders", 1n, 44_800n));
    expect(doneRows.result).toEqual(await ordersTruth("orders", 1n, 35_000n));

    const ranges = await allRanges(byRanges.runId, undefined, 500);
    const starts = startTimes(ranges);
    expect(starts).toHaveLength(112);
    expect((starts.at(-1) ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(25_000);
    const startEvents = starts.map((at) => ({ at, weight: 1 }));
    const finishEvents = ranges.map((r) => ({ at: Date.parse(r.startedAt ?? "") + (r.durationMs ?? 0), weight: 1 }));
    expect(busiestWindow(startEvents), "range starts in a 10 s window").toBeLessThanOrEqual(4 * 10 * 1.1);
    expect(busiestWindow(finishEvents), "range ends in a 10 s window").toBeLessThanOrEqual(4 * 10 * 1.1);
    // Spread over the run, not bunched: no window inside it is starved either.
    expect(leanestWindow(startEvents), "range starts in the leanest 10 s window").toBeGreaterThanOrEqual(4 * 10 * 0.8);

    const rowRanges = await allRanges(byRows.runId, undefined, 500);
    const rowEvents = rowRanges.map((r) => ({ at: Date.parse(r.startedAt ?? ""), weight: r.rows ?? 0 }));
    expect(rowEvents.reduce((s, e) => s + e.weight, 0)).toBe(35_000);
    const rowSpan = Math.max(...rowEvents.map((e) => e.at)) - Math.min(...rowEvents.map((e) => e.at));
    expect(rowSpan).toBeGreaterThanOrEqual(25_000);
    expect(busiestWindow(rowEvents), "rows begun in a 10 s window").toBeLessThanOrEqual(1_300 * 10 * 1.1);
    expect(leanestWindow(rowEvents), "rows begun in the leanest 10 s window").toBeGreaterThanOrEqual(1_300 * 10 * 0.8);
  });

  it("refuses a rate that is not a positive number", async () => {
    for (const rate of [{ rangesPerSecond: 0 }, { rowsPerSecond: -1 }, { perMinute: 3 }, { rangesPerSecond: "5" }]) {
      const res = await api("/api/jobs/test-paced/runs", { method: "POST", body: JSON.stringify({ rate }) });
      expect(res.status, JSON.stringify(rate)).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_body");
    }
  });
});

describe("health check", () => {
  beforeAll(async () => {
    await query("CREATE TABLE IF NOT EXISTS pacing_control (key text PRIMARY KEY, healthy boolean NOT NULL, reason text)");
  });

  it("an unhealthy verdict pauses dispatch, with the reason in the status; a healthy one resumes it, and the result is exact", async () => {
    const key = crypto.randomUUID();
    const setHealth = (healthy: boolean, reason: string | null) =>
      query("INSERT INTO pacing_control (key, healthy, reason) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET healthy = $2, reason = $3", [key, healthy, reason]);
    await setHealth(true, null);
    const run = await startRun("test-health", { split: "uniform", rowsPerRange: 500, concurrency: 2, params: { key, sleepMs: 150 } });
    expect(run.ranges.total).toBe(100);
    await until("ten ranges done", async () => (await getRun(run.runId)).ranges.done >= 10);

    await setHealth(false, "replica lag 42 s");
    let seen: RunStatus | null = null;
    await until("the unhealthy verdict", async () => {
      seen = await getRun(run.runId);
      return seen.pacing.state === "unhealthy";
    }, 10_000);
    const unhealthyAt = Date.now();
    expect(seen).toMatchObject({ status: "running", pacing: { state: "unhealthy", health: { healthy: false, reason: "replica lag 42 s" } } });
    // Lanes hear it at their next call; after that nothing starts, for as long as it lasts.
    await sleep(3_500);
    const paused = await getRun(run.runId);
    expect(paused.ranges.done).toBeLessThan(100);
    expect(paused.ranges.running).toBe(0);
    expect(paused.lanes.active, "one lane kept to re-run the check").toBeLessThanOrEqual(1);
    const healthyAt = Date.now();
    await setHealth(true, null);

    const done = await waitForRun(run.runId, 60_000);
    expect(done.status).toBe("succeeded");
    expect(done.result).toEqual(await ordersTruth("orders", 1n, 50_000n));
    expect(done.pacing.health).toMatchObject({ healthy: true });
    const starts = startTimes(await allRanges(run.runId, undefined, 500));
    const during = starts.filter((t) => t > unhealthyAt + 1_000 && t < healthyAt);
    expect(during, "ranges begun while unhealthy").toEqual([]);
    expect(starts.filter((t) => t >= healthyAt).length, "ranges begun after it was healthy again").toBeGreaterThan(0);
  });
});

describe("pause and resume", () => {
  it("pause: status paused, nothing starts, running ranges finish; resume finishes with the exact result; both idempotent", async () => {
    const run = await startRun("test-paced", { split: "uniform", rowsPerRange: 1_000, concurrency: 3, params: { sleepMs: 80 } });
    expect(run.ranges.total).toBe(50);
    await until("five ranges done", async () => (await getRun(run.runId)).ranges.done >= 5);

    const pause = await post(`/api/runs/${run.runId}/pause`);
    expect(pause.status).toBe(200);
    const pausedAt = Date.now();
    expect(((await pause.json()) as RunStatus)).toMatchObject({ status: "paused", pacing: { state: "paused" } });
    const again = await post(`/api/runs/${run.runId}/pause`);
    expect(again.status).toBe(200);
    expect(((await again.json()) as RunStatus).status).toBe("paused");

    // The ranges that had begun finish and are folded; the lanes hand back.
    await until("the lanes to hand back", async () => {
      const r = await getRun(run.runId);
      return r.ranges.running === 0 && r.lanes.active === 0;
    });
    const quiet = await getRun(run.runId);
    await sleep(1_500);
    const still = await getRun(run.runId);
    expect(still.status).toBe("paused");
    expect(still.ranges).toEqual(quiet.ranges);
    expect(still.ranges.done).toBeLessThan(50);
    const history = (await (await api(`/api/runs?job=test-paced&status=paused`)).json()) as { runs: Array<{ runId: string }> };
    expect(history.runs.map((r) => r.runId)).toContain(run.runId);

    const resumedAt = Date.now();
    const resume = await post(`/api/runs/${run.runId}/resume`);
    expect(resume.status).toBe(200);
    expect(((await resume.json()) as RunStatus).status).toBe("running");
    expect((await post(`/api/runs/${run.runId}/resume`)).status).toBe(200);

    const done = await waitForRun(run.runId, 60_000);
    expect(done.status).toBe("succeeded");
    expect(done.result).toEqual(await ordersTruth("orders", 1n, 50_000n));
    expect(done.errors).toEqual([]);
    const starts = startTimes(await allRanges(run.runId, undefined, 500));
    expect(starts.filter((t) => t > pausedAt + 1_000 && t < resumedAt), "ranges begun while paused").toEqual([]);

    for (const action of ["pause", "resume"]) {
      const finished = await post(`/api/runs/${run.runId}/${action}`);
      expect(finished.status, `${action} of a finished run`).toBe(409);
      expect(((await finished.json()) as { error: { code: string } }).error.code).toBe("run_not_running");
    }
    const unknown = await post(`/api/runs/no-such-run-${crypto.randomUUID().slice(0, 8)}/pause`);
    expect(unknown.status).toBe(404);
    expect((await api(`/api/runs/${run.runId}/pause`, { method: "POST", token: null })).status).toBe(401);
  });

  it("a paused run's leases end without failing its ranges, or spending their attempts", async () => {
    const stub = env.COORDINATOR.get(env.COORDINATOR.idFromName(`pause-${crypto.randomUUID()}`));
    await runInDurableObject(stub, (_i, state) => {
      migrate(state.storage.sql);
      const ledger = new Ledger(state.storage.sql);
      ledger.insertRun({
        run_id: "p", job: "orders-total", status: "running", phase: "main", bounds_start: "1", bounds_end: "40", snapshot_end: 0,
        split: "uniform", canary_ranges: 0, rows_per_range: 10, concurrency: 2, max_attempts: 1, lease_ms: 1_000, timeout_ms: 500,
        params: "null", accumulator: JSON.stringify({ rows: 0, totalAmount: "0.00" }), created_at: 0, planning_ms: null, key_type: "integer", bounds_end_exclusive: 0,
      });
      ledger.insertRanges(ledgerRanges(planUniform(1n, 40n, 10n)));
      const lanes = new Lanes(state.storage.sql);
      const [lane] = lanes.open(1, 0);
      const leased = ledger.lease(3, 0, 1_000, lane ?? 0);
      ledger.markStarted([[leased[0]?.id ?? -1, leased[0]?.attempt ?? 0, 10]]);
      state.storage.transactionSync(() => pauseRun(ledger, ledger.run(), 100));
      // The two it held but had not begun are given back at once; the one it began keeps its lease.
      expect([0, 1, 2].map((id) => ledger.range(id)?.status)).toEqual(["running", "pending", "pending"]);
      const run = ledger.run();
      if (!run) throw new Error("no run");
      state.storage.transactionSync(() => expirePaused(ledger, lanes, run, 5_000));
      expect(ledger.range(0)).toMatchObject({ status: "pending", error_code: null });
      expect(ledger.countInState("failed")).toBe(0);
      // maxAttempts is 1 and every range's attempt was given back: each may still run.
      for (const id of [0, 1, 2]) expect(ledger.range(id)?.attempt_limit).toBe(2);
      expect(lanes.count().total).toBe(0);
    });
  });
});
