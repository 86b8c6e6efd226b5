/**
 * The database load bound under timeouts (DESIGN invariant 4, sharpened):
 * a range that times out in the consumer is also ended in Postgres by the
 * session's server-side limits, and its lane waits for that before it opens
 * another connection, so the run never has more than `concurrency` busy
 * backends, even while a table lock makes every range time out.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { withConnection } from "../src/db/connector";
import { getRun, ordersTruth, query, startRun, waitForRun } from "./helpers";

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
