/**
 * The database load bound under timeouts (DESIGN invariant 4, sharpened):
 * a range that times out in the consumer is also ended in Postgres by the
 * session's server-side limits, and its lane waits for that before it opens
 * another connection, so the run never has more than `concurrency` busy
 * backends, even while a table lock makes every range time out.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_SPLIT_DEPTH } from "../src/coordinator/failures";
import { applyReports } from "../src/coordinator/fold";
import { Ledger } from "../src/coordinator/ledger";
import { migrate } from "../src/coordinator/schema";
import { withConnection } from "../src/db/connector";
import { getJob } from "../src/jobs/registry";
import { integerKey } from "../src/planning/keys/integer";
import { getRun, ordersTruth, query, startRun, waitForRun, ledgerRanges } from "./helpers";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Backends busy with orders-total's range query (running, or waiting on the lock), as pg_stat_activity counts them. */
async function busyLaneBackends(): Promise<number> {
  const [row] = await query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE query LIKE '%coalesce(sum(amount), 0)::text AS total%' AND state <> 'idle' AND pid <> pg_backend_pid()`,
  );
  return row?.n ?? 0;
}

describe("timeouts keep the load bound", () => {
  it("a table lock held past the range timeout: never more than `concurrency` busy backends, exact once released", async () => {
    const concurrency = 3;
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = withConnection(env, async (c) => {
      await c.query("BEGIN");
      await c.query("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE");
      locked();
      await sleep(4_000);
      await c.query("COMMIT");
    });
    await isLocked;
    const started = await startRun("orders-total", {
      start: "1", end: "50000", rowsPerRange: 5_000, split: "uniform", concurrency, timeoutSeconds: 1, leaseSeconds: 4, maxAttempts: 10, canary: false,
    });
    let peak = 0;
    let samples = 0;
    for (;;) {
      peak = Math.max(peak, await busyLaneBackends());
      samples++;
      if ((await getRun(started.runId)).status !== "running") break;
      await sleep(20);
    }
    await holder;
    const run = await waitForRun(started.runId);
    expect(run.status, JSON.stringify(run.errors).slice(0, 500)).toBe("succeeded");
    expect(run.result).toEqual(await ordersTruth("orders", 1n, 50_000n));
    expect(samples, JSON.stringify(run.ranges)).toBeGreaterThan(50);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(concurrency);
  });
});

describe("splits are capped", () => {
  // Regression: a sparse range timing out again and again (an outage) was
  // halved until its keys ran out: dozens of levels, the ledger growing without end.
  it("a range that keeps timing out is split at most MAX_SPLIT_DEPTH levels deep, then retried and failed", async () => {
    const job = getJob("orders-total");
    if (!job) throw new Error("orders-total is not registered");
    const stub = env.COORDINATOR.get(env.COORDINATOR.idFromName(`splits-${crypto.randomUUID()}`));
    await runInDurableObject(stub, (_i, state) => {
      migrate(state.storage.sql);
      const ledger = new Ledger(state.storage.sql);
      ledger.insertRun({
        run_id: "t", job: job.name, status: "running", phase: "main", bounds_start: "1", bounds_end: String(2n ** 62n),
        snapshot_end: 0, split: "uniform", canary_ranges: 0, rows_per_range: 10, concurrency: 1, max_attempts: 2,
        lease_ms: 60_000, timeout_ms: 1_000, params: "null", accumulator: JSON.stringify(job.combine.initial()), created_at: 0, planning_ms: null, key_type: "integer", bounds_end_exclusive: 0,
      });
      ledger.insertRanges(ledgerRanges([{ start: "1", end: String(2n ** 62n) }]));
      for (let round = 0; round < MAX_SPLIT_DEPTH + 4; round++) {
        const t = 1_000_000 * (round + 1);
        const leased = ledger.lease(10_000, t, t + 60_000, 1);
        const run = ledger.run();
        if (!run) throw new Error("no run");
        state.storage.transactionSync(() =>
          applyReports(integerKey, ledger, run, leased.map((r) => ({ rangeId: r.id, attempt: r.attempt, ok: false, error: { code: "57014", message: "timeout" }, durationMs: 1_000 })), job.combine, t),
        );
      }
      const depths = state.storage.sql.exec<{ depth: number; n: number }>("SELECT max(depth) AS depth, count(*) AS n FROM ranges WHERE status = 'split'").one();
      expect(depths.n).toBe(2 ** MAX_SPLIT_DEPTH - 1);
      expect(depths.depth).toBe(MAX_SPLIT_DEPTH - 1);
      expect(ledger.counts()).toMatchObject({ total: 2 ** MAX_SPLIT_DEPTH, failed: 2 ** MAX_SPLIT_DEPTH });
    });
  });
});
