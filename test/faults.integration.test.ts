/**
 * Fault tests (DESIGN invariants 2–5): each injects a real fault into a run
 * and checks the run still ends with the exact result, or stops with a
 * precise account of what it did not do. Ground truth is one SQL statement.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, inject } from "vitest";
import type { Coordinator } from "../src/coordinator/coordinator";
import { coordinatorFor } from "../src/coordinator/stub";
import { policyOf } from "../src/lib/error-policy";
import type { LaneMessage } from "../src/coordinator/types";
import { allRanges, api, expectTiles, getRun, ordersTruth, peakDatabaseLoad, query, startRun, waitForRun } from "./helpers";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A queue that keeps the first `n` lane starts it is given (into `kept`) and sends the rest to `real`. */
function lossyQueue(real: Queue, kept: LaneMessage[], n: number): Queue {
  const lossy = {
    sendBatch: async (messages: Iterable<MessageSendRequest<LaneMessage>>) => {
      const rest: Array<MessageSendRequest<LaneMessage>> = [];
      for (const m of messages) {
        if (kept.length < n) kept.push(m.body);
        else rest.push(m);
      }
      if (rest.length) await real.sendBatch(rest);
    },
  };
  return lossy as unknown as Queue;
}

describe("faults", () => {
  it("a consumer that throws on the first attempt of a third of the ranges: exact, attempts in the ledger", async () => {
    const started = await startRun("test-flaky", { rowsPerRange: 2_500, concurrency: 6 });
    const run = await waitForRun(started.runId);
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual(await ordersTruth());
    const ranges = await allRanges(run.runId);
    expect(ranges).toHaveLength(20);
    for (const r of ranges) expect(r.attempts).toBe(r.id % 3 === 0 ? 2 : 1);
  });

  it("backends terminated while ranges run: exact", async () => {
    const started = await startRun("test-slow", { rowsPerRange: 2_000, concurrency: 4, params: { sleepMs: 300 } });
    let terminated = 0;
    for (let i = 0; i < 40 && terminated < 4; i++) {
      const rows = await query<{ t: boolean }>(
        `SELECT pg_terminate_backend(pid) AS t FROM pg_stat_activity
         WHERE query LIKE 'SELECT pg_sleep%' AND pid <> pg_backend_pid()`,
      );
      terminated += rows.filter((r) => r.t).length;
      await sleep(150);
    }
    expect(terminated).toBeGreaterThan(0);
    const run = await waitForRun(started.runId);
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual(await ordersTruth());
    const retried = (await allRanges(run.runId)).filter((r) => r.attempts > 1);
    expect(retried.length).toBeGreaterThan(0);
  });

  it("Postgres stopped for seconds mid-run and started again: backs off, finishes exactly", async () => {
    const started = await startRun("test-slow", { rowsPerRange: 1_000, concurrency: 6, params: { sleepMs: 100 } });
    await sleep(400);
    const restart = fetch(`${inject("controlUrl")}/postgres/restart?downMs=3000`, { method: "POST" });
    let lowest = started.concurrency.effective;
    for (let i = 0; i < 30; i++) {
      lowest = Math.min(lowest, (await getRun(started.runId)).concurrency.effective);
      await sleep(100);
    }
    expect((await restart).status).toBe(200);
    expect(lowest).toBeLessThan(started.concurrency.limit); // it backed off while the database was down
    const run = await waitForRun(started.runId, 120_000);
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual(await ordersTruth());
    const ranges = await allRanges(run.runId);
    expect(ranges.some((r) => r.attempts > 1)).toBe(true);
  });

  it("a lost lane start: the lane is given up after the lease, another starts, exact, nothing spent", async () => {
    const runId = `lost-${crypto.randomUUID()}`;
    const stub = env.COORDINATOR.get(env.COORDINATOR.idFromName(runId));
    const dropped: LaneMessage[] = [];
    await runInDurableObject(stub, async (instance: Coordinator) => {
      // A queue that loses the first message it is given, as a local queue
      // does on restart; everything else goes through to the real queue.
      (instance as unknown as { env: Env }).env = { ...env, RANGES: lossyQueue(env.RANGES, dropped, 1) };
      const created = await instance.create({ runId, job: "orders-total", start: "1", end: "20000", rowsPerRange: 2_000, split: "uniform", concurrency: 1, leaseSeconds: 2, canary: false });
      expect(created.ok).toBe(true);
    });
    expect(dropped).toHaveLength(1);
    const run = await waitForRun(runId);
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual(await ordersTruth("orders", 1n, 20_000n));
    // A lane start leases nothing, so losing one cost no range an attempt.
    expect((await allRanges(runId)).map((r) => r.attempts)).toEqual(Array(10).fill(1));
  });

  it("a lane killed mid-range: its leases expire, the range it began is retried, the ones it held are given back unspent", async () => {
    const runId = `killed-${crypto.randomUUID()}`;
    const stub = env.COORDINATOR.get(env.COORDINATOR.idFromName(runId));
    const captured: LaneMessage[] = [];
    await runInDurableObject(stub, async (instance: Coordinator) => {
      // The first lane start never reaches a consumer: this test plays that lane, and kills it.
      (instance as unknown as { env: Env }).env = { ...env, RANGES: lossyQueue(env.RANGES, captured, 1) };
      const created = await instance.create({ runId, job: "orders-total", start: "1", end: "20000", rowsPerRange: 2_000, split: "uniform", concurrency: 1, leaseSeconds: 2, maxAttempts: 1, canary: false });
      expect(created.ok).toBe(true);
    });
    const lane = captured[0]?.lane ?? -1;
    const coordinator = coordinatorFor(env, runId);
    const grant = await coordinator.lane({ lane, reports: [], started: [], release: [], want: 3, done: false });
    expect(grant.ranges.map((r) => r.rangeId)).toEqual([0, 1, 2]);
    // It begins range 0, says so, and dies without another word.
    await coordinator.lane({ lane, reports: [], started: [[0, 1, Date.now()]], release: [], want: 0, done: false });
    const run = await waitForRun(runId);
    expect(run.status).toBe("failed"); // maxAttempts 1: the range that ran and lost its lease has spent its only try
    const ranges = await allRanges(runId);
    expect(ranges.filter((r) => r.status === "failed").map((r) => [r.id, r.error?.code])).toEqual([[0, "lease_expired"]]);
    // Ranges 1 and 2 never began: their first lease was given back, and they succeeded on the next.
    expect(ranges.filter((r) => r.id === 1 || r.id === 2).map((r) => [r.status, r.attempts])).toEqual([["done", 2], ["done", 2]]);
    const inBad = await ordersTruth("orders", 1n, 2_000n);
    const all = await ordersTruth("orders", 1n, 20_000n);
    expect((run.result as { rows: number }).rows).toBe(all.rows - inBad.rows);
  });

  it("a poison range fails the run with the exact partial result; retry after the fix succeeds", async () => {
    const poisonKey = 23_456n;
    await query("INSERT INTO poison_keys (key) VALUES ($1) ON CONFLICT DO NOTHING", [poisonKey.toString()]);
    try {
      const started = await startRun("test-poison", { rowsPerRange: 2_500, concurrency: 6, maxAttempts: 3 });
      const run = await waitForRun(started.runId);
      expect(run.status).toBe("failed");
      const failed = await allRanges(run.runId, "failed");
      expect(failed).toHaveLength(1);
      const bad = failed[0];
      if (!bad) throw new Error("no failed range");
      expect(BigInt(bad.start ?? "") <= poisonKey && poisonKey <= BigInt(bad.end ?? "")).toBe(true);
      expect(bad.error?.code).toBe("22012");
      expect(bad.attempts).toBe(1); // a permanent error does not burn every attempt
      expect(run.errors).toEqual([expect.objectContaining({ rangeId: bad.id, code: "22012", start: bad.start, end: bad.end })]);

      const all = await ordersTruth();
      const inBad = await ordersTruth("orders", BigInt(bad.start ?? ""), BigInt(bad.end ?? ""));
      const [expectedTotal] = await query<{ t: string }>("SELECT ($1::numeric - $2::numeric)::text AS t", [all.totalAmount, inBad.totalAmount]);
      expect(run.result).toEqual({ rows: all.rows - inBad.rows, totalAmount: expectedTotal?.t });

      expect((await api(`/api/runs/${run.runId}/cancel`, { method: "POST" })).status).toBe(409);
      await query("DELETE FROM poison_keys WHERE key = $1", [poisonKey.toString()]);
      const retried = await api(`/api/runs/${run.runId}/retry`, { method: "POST" });
      expect(retried.status).toBe(200);
      const final = await waitForRun(run.runId);
      expect(final.status).toBe("succeeded");
      expect(final.result).toEqual(all);
      expect(final.errors).toEqual([]);
      expect((await api(`/api/runs/${run.runId}/retry`, { method: "POST" })).status).toBe(409);
    } finally {
      await query("DELETE FROM poison_keys WHERE key = $1", [poisonKey.toString()]);
    }
  });

  it("a job's own plain Error uses up the range's attempts; a result that does not combine fails at once", async () => {
    for (const [mode, code, attempts] of [["throw", null, 2], ["bad-result", "job_error", 1]] as const) {
      const run = await waitForRun((await startRun("test-broken", { rowsPerRange: 10_000, maxAttempts: 2, canary: false, split: "uniform", params: { mode } })).runId);
      expect(run.status).toBe("failed");
      const failed = await allRanges(run.runId, "failed");
      expect(failed.map((r) => [r.id, r.error?.code ?? null, r.attempts])).toEqual([[0, code, attempts]]);
      const bad = failed[0];
      if (!bad) throw new Error("no failed range");
      const all = await ordersTruth();
      const inBad = await ordersTruth("orders", BigInt(bad.start ?? ""), BigInt(bad.end ?? ""));
      expect((run.result as { rows: number }).rows).toBe(all.rows - inBad.rows);
      expect(run.concurrency.effective).toBe(run.concurrency.limit); // a job's bug is not database overload
    }
  });

  // Regression: every driver error without a SQLSTATE used to count as a lost
  // connection, and 08P01 as a connection exception, so a job's bug was
  // retried 20 extra times as an outage and halved the run's concurrency.
  it("a job's bad query parameter or bind fails at once, is not spared, and is not overload", async () => {
    for (const [mode, code] of [["bad-param", "job_error"], ["bad-bind", "08P01"]] as const) {
      const started = await startRun("test-broken", { rowsPerRange: 10_000, maxAttempts: 2, canary: false, split: "uniform", params: { mode } });
      const run = await waitForRun(started.runId, 30_000);
      expect(run.status).toBe("failed");
      const failed = await allRanges(run.runId, "failed");
      expect(failed.map((r) => [r.id, r.error?.code ?? null, r.attempts])).toEqual([[0, code, 1]]);
      expect(run.concurrency.effective).toBe(run.concurrency.limit);
    }
  });

  it("bounded load: Postgres never has more than `concurrency` of the run's queries busy at once, and reaches that many", async () => {
    const concurrency = 4;
    const { run, peak, samples } = await peakDatabaseLoad(() =>
      startRun("test-slow", { rowsPerRange: 2_500, concurrency, canary: false, split: "uniform", params: { sleepMs: 300 } }),
    );
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual(await ordersTruth());
    expect(run.ranges.total).toBe(20);
    expect(samples).toBeGreaterThan(20);
    expect(peak).toBeLessThanOrEqual(concurrency);
    // Each range holds its query 300 ms: a run that can see parallelism at all sees all of it.
    expect(peak).toBe(concurrency);
  });

  it("cancel: the run ends cancelled and dispatches nothing more", async () => {
    const started = await startRun("test-slow", { rowsPerRange: 1_000, concurrency: 2, params: { sleepMs: 250 } });
    while ((await getRun(started.runId)).ranges.done < 2) await sleep(50);
    const res = await api(`/api/runs/${started.runId}/cancel`, { method: "POST" });
    expect(res.status).toBe(200);
    const atCancel = (await res.json()) as Awaited<ReturnType<typeof getRun>>;
    expect(atCancel.status).toBe("cancelled");
    const attemptsAtCancel = (await allRanges(started.runId)).reduce((n, r) => n + r.attempts, 0);
    await sleep(1_500); // in-flight ranges report in this time
    const later = await getRun(started.runId);
    expect(later.status).toBe("cancelled");
    expect(later.result).toEqual(atCancel.result);
    expect(later.ranges.done).toBe(atCancel.ranges.done);
    expect((await allRanges(started.runId)).reduce((n, r) => n + r.attempts, 0)).toBe(attemptsAtCancel);
    expect(later.ranges.done).toBeLessThan(later.ranges.total);
    expect(later.ranges.running).toBe(0); // in-flight ranges are released, not left running
  });

  it("a range that times out is split in two, down to a minimum width, and coverage stays exact", async () => {
    // 2 ms per key: a 1,000-key range sleeps 2 s, past its 1 s timeout; halves of 250 keys fit.
    const started = await startRun("test-slow", {
      start: "1", end: "4000", rowsPerRange: 1_000, concurrency: 8, timeoutSeconds: 1, params: { sleepMsPerKey: 2 },
    });
    const run = await waitForRun(started.runId);
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual(await ordersTruth("orders", 1n, 4000n));
    const ranges = await allRanges(run.runId);
    const split = ranges.filter((r) => r.status === "split");
    expect(split.length).toBeGreaterThanOrEqual(4);
    // Split on the consumer's timeout, or on one of Postgres' own (statement, transaction), whichever came first.
    expect(split.map((r) => r.error?.code ?? null).filter((code) => !policyOf(code).splits)).toEqual([]);
    expect(ranges.filter((r) => r.parent !== null).length).toBe(split.length * 2);
    expectTiles(ranges, 1n, 4000n);
    expect(run.ranges.total).toBe(ranges.length - split.length);
  });
});
