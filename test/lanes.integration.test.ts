/**
 * Hot lanes (issue 11), in the Coordinator's real storage and through the
 * real queue and consumer, against the real Postgres: the dispatch defects
 * the lanes must not carry, cancel, the per-invocation connection limit, and
 * several runs sharing the consumers.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Coordinator } from "../src/coordinator/coordinator";
import { nextWake } from "../src/coordinator/dispatch";
import { expireLeases } from "../src/coordinator/failures";
import { applyReports } from "../src/coordinator/fold";
import { Lanes } from "../src/coordinator/lanes";
import { Ledger } from "../src/coordinator/ledger";
import { migrate } from "../src/coordinator/schema";
import { getJob } from "../src/jobs/registry";
import { integerKey } from "../src/planning/keys/integer";
import { planUniform } from "../src/planning/uniform";
import { allRanges, api, getRun, ordersTruth, query, startRun, waitForRun, ledgerRanges } from "./helpers";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const job = getJob("orders-total");
if (!job) throw new Error("orders-total is not registered");
const combine = job.combine;

/** A run of [1, 10 × ranges] in ranges of 10 keys, in a fresh Coordinator's storage. */
function seed(state: DurableObjectState, ranges: number, concurrency: number, maxAttempts = 3) {
  migrate(state.storage.sql);
  const ledger = new Ledger(state.storage.sql);
  ledger.insertRun({
    run_id: "t", job: "orders-total", status: "running", phase: "main", bounds_start: "1", bounds_end: String(10 * ranges),
    snapshot_end: 0, split: "uniform", canary_ranges: 0, rows_per_range: 10, concurrency, max_attempts: maxAttempts,
    lease_ms: 60_000, timeout_ms: 30_000, params: "null", accumulator: JSON.stringify(combine.initial()), created_at: 0, planning_ms: null, key_type: "integer", bounds_end_exclusive: 0,
  });
  ledger.insertRanges(ledgerRanges(planUniform(1n, BigInt(10 * ranges), 10n)));
  const run = () => {
    const r = ledger.run();
    if (!r) throw new Error("no run");
    return r;
  };
  return { ledger, lanes: new Lanes(state.storage.sql), run };
}

function freshStub() {
  return env.COORDINATOR.get(env.COORDINATOR.idFromName(`lanes-${crypto.randomUUID()}`));
}

describe("dispatch defects the lanes do not carry", () => {
  // Regression: the alarm re-armed for a retry's not_before that was already
  // past while no slot was free, so it fired again at once, in a loop.
  it("does not wake for a due retry while every slot is taken", async () => {
    await runInDurableObject(freshStub(), (_i, state) => {
      const { ledger, lanes, run } = seed(state, 3, 1);
      const [lane] = lanes.open(1, 0);
      ledger.lease(1, 0, 60_000, lane ?? 0);
      ledger.lease(1, 0, 60_000, lane ?? 0);
      // Range 1 failed and waits out a backoff that ends at t=500; the only slot is taken.
      state.storage.transactionSync(() =>
        applyReports(integerKey, ledger, run(), [{ rangeId: 1, attempt: 1, ok: false, error: { code: null, message: "x" }, durationMs: 1 }], combine, 100),
      );
      const now = 10_000;
      const wake = nextWake(ledger, lanes, run(), now);
      expect(wake).not.toBeNull();
      expect(wake ?? 0).toBeGreaterThan(now);
    });
  });

  // Regression: a range whose lease expired before it ever ran lost its attempt,
  // and on a second such expiry it was split although it never ran.
  it("gives back the attempt of a lease that ended before the range began, and never splits it for that", async () => {
    await runInDurableObject(freshStub(), (_i, state) => {
      const { ledger, run } = seed(state, 1, 1, 1);
      for (const t of [0, 100_000, 200_000]) {
        expect(ledger.lease(1, t, t + 1_000, 7).map((r) => r.id)).toEqual([0]);
        state.storage.transactionSync(() => expireLeases(integerKey, ledger, run(), t + 1_000));
        const range = ledger.range(0);
        expect(range?.status).toBe("pending");
        expect(range?.error_code).toBe("not_started");
      }
      expect(ledger.counts()).toMatchObject({ total: 1, pending: 1, failed: 0 });
      // Once a lane says it began the range, the expiry counts: maxAttempts 1, so it fails.
      const [leased] = ledger.lease(1, 300_000, 301_000, 7);
      ledger.markStarted([[0, leased?.attempt ?? 0, 300_000]]);
      state.storage.transactionSync(() => expireLeases(integerKey, ledger, run(), 301_000));
      expect(ledger.range(0)).toMatchObject({ status: "failed", error_code: "lease_expired" });
    });
  });

  // Regression: unlease decremented the attempt, so the next lease reused the
  // number and a stale report of the old attempt counted against the live one.
  it("never reuses an attempt number: a released range's stale failure report is ignored", async () => {
    await runInDurableObject(freshStub(), (_i, state) => {
      const { ledger, run } = seed(state, 1, 1, 2);
      const [first] = ledger.lease(1, 0, 60_000, 1);
      expect(first?.attempt).toBe(1);
      expect(ledger.release([[0, 1]], 2, 1)).toBe(1);
      const [second] = ledger.lease(1, 2, 60_000, 2);
      expect(second?.attempt).toBe(2);
      const outcome = state.storage.transactionSync(() =>
        applyReports(integerKey, ledger, run(), [{ rangeId: 0, attempt: 1, ok: false, error: { code: "42P01", message: "stale" }, durationMs: 1 }], combine, 3),
      );
      expect(outcome.ignored).toBe(1);
      expect(ledger.range(0)).toMatchObject({ status: "running", attempt: 2, attempt_limit: 3 });
    });
  });

  // Regression: a queue that refused every send left the run `running` forever,
  // writing storage every second.
  it("fails a run whose lane starts the queue keeps refusing, after backing off", async () => {
    const runId = `refused-${crypto.randomUUID()}`;
    const stub = env.COORDINATOR.get(env.COORDINATOR.idFromName(runId));
    await runInDurableObject(stub, async (instance: Coordinator) => {
      const refusing = { sendBatch: async () => Promise.reject(new Error("batch refused by the queue")) };
      (instance as unknown as { env: Env }).env = { ...env, RANGES: refusing as unknown as Queue };
      const created = await instance.create({ runId, job: "orders-total", start: "1", end: "1000", leaseSeconds: 1, canary: false });
      expect(created.ok).toBe(true);
    });
    const run = await waitForRun(runId, 100_000);
    expect(run.status).toBe("failed");
    expect(run.errors.map((e) => e.message).join(" ")).toMatch(/queue refused every lane start .*batch refused by the queue/);
    await runInDurableObject(stub, (_i, state) => {
      const failures = state.storage.sql.exec<{ n: number }>("SELECT send_failures AS n FROM run").one().n;
      // 20 s of backoff from 1 s doubling: a handful of tries, not one a second.
      expect(failures).toBeGreaterThan(2);
      expect(failures).toBeLessThan(15);
    });
  });
});

/** rangemap's backends busy in a query, grouped by connection label (one label per consumer invocation). */
async function busyByInvocation(): Promise<Map<string, number>> {
  const rows = await query<{ app: string; n: number }>(
    `SELECT application_name AS app, count(*)::int AS n FROM pg_stat_activity
     WHERE application_name LIKE 'rangemap-%/%' AND state = 'active' GROUP BY 1`,
  );
  return new Map(rows.map((r) => [r.app, r.n]));
}

describe("lanes at work", () => {
  it("cancel: lanes stop taking ranges at once, and no rangemap query runs afterwards", async () => {
    const started = await startRun("test-slow", { rowsPerRange: 500, concurrency: 4, canary: false, split: "uniform", params: { sleepMs: 200 } });
    for (let i = 0; i < 100 && (await getRun(started.runId)).ranges.done < 4; i++) await sleep(50);
    expect((await api(`/api/runs/${started.runId}/cancel`, { method: "POST" })).status).toBe(200);
    // A lane hears the stop at its next call: after its running range (200 ms) at the latest.
    await sleep(1_500);
    for (let i = 0; i < 20; i++) {
      const [row] = await query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' AND state = 'active' AND pid <> pg_backend_pid()",
      );
      expect(row?.n).toBe(0);
      await sleep(100);
    }
    const run = await getRun(started.runId);
    expect(run.status).toBe("cancelled");
    expect(run.ranges.running).toBe(0);
    expect(run.ranges.done).toBeLessThan(run.ranges.total);
  });

  it("no consumer invocation holds more than 6 connections, with two runs' lanes in the queue at once", async () => {
    const body = { rowsPerRange: 1_000, concurrency: 6, canary: false, split: "uniform", params: { sleepMs: 150 } };
    const [a, b] = await Promise.all([startRun("test-slow", body), startRun("test-slow", body)]);
    let peak = 0;
    let seen = 0;
    for (;;) {
      const counts = await busyByInvocation();
      for (const n of counts.values()) peak = Math.max(peak, n);
      seen += counts.size;
      const [ra, rb] = await Promise.all([getRun(a.runId), getRun(b.runId)]);
      if (ra.status !== "running" && rb.status !== "running") break;
      await sleep(20);
    }
    expect(seen).toBeGreaterThan(0);
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(6);
    for (const id of [a.runId, b.runId]) expect((await getRun(id)).result).toEqual(await ordersTruth());
  });

  it("a small run started during a big one finishes within seconds, and nothing expires while it waits in the queue", async () => {
    const big = await startRun("test-slow", { rowsPerRange: 100, concurrency: 6, canary: false, split: "uniform", params: { sleepMs: 120 } });
    await sleep(1_000);
    const t0 = Date.now();
    const small = await startRun("orders-total", { start: "1", end: "10000", rowsPerRange: 1_000, split: "uniform", canary: false });
    const smallRun = await waitForRun(small.runId);
    const seconds = (Date.now() - t0) / 1000;
    expect(smallRun.status).toBe("succeeded");
    expect(smallRun.result).toEqual(await ordersTruth("orders", 1n, 10_000n));
    expect(seconds).toBeLessThan(12);
    expect((await getRun(big.runId)).status).toBe("running"); // it really ran beside a big run
    const bigRun = await waitForRun(big.runId, 120_000);
    expect(bigRun.result).toEqual(await ordersTruth());
    for (const id of [big.runId, small.runId]) {
      const expired = (await allRanges(id)).filter((r) => r.attempts > 1 || r.error !== null);
      expect(expired).toEqual([]);
    }
  });

  it("reports and leases in batches: far fewer Coordinator calls than ranges for short ranges", async () => {
    const run = await waitForRun(
      (await startRun("orders-total", { start: "1", end: "20000", rowsPerRange: 50, split: "uniform", canary: false, concurrency: 4 })).runId,
    );
    expect(run.result).toEqual(await ordersTruth("orders", 1n, 20_000n));
    expect(run.ranges.total).toBe(400);
    expect(run.lanes.calls).toBeGreaterThan(0);
    expect(run.lanes.calls).toBeLessThan(run.ranges.total / 4);
  });
});
