/**
 * Every range gets a clean session (the per-range session protocol,
 * src/db/session.ts). A range that tries to leave an open transaction, a
 * session setting or a temporary table behind is refused before the
 * statement reaches Postgres; the ranges after it, on the same connection,
 * run as if it had never been there. A range's transaction (behind a pool in
 * transaction mode) that a job's swallowed error left failed is not
 * committed as a success.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { allRanges, ordersTruth, startRun, waitForRun } from "./helpers";

const body = (mode: string) => ({ start: "1", end: "10000", rowsPerRange: 2_000, split: "uniform", concurrency: 1, maxAttempts: 1, canary: false, params: { mode } });

describe("a clean session for every range", () => {
  it.each(["begin", "set", "temp"])("refuses a range's %s, and the ranges after it on the same connection are untouched", async (mode) => {
    const run = await waitForRun((await startRun("test-leaves-state", body(mode))).runId);
    expect(run.status).toBe("failed");
    const ranges = await allRanges(run.runId);
    expect(ranges.filter((r) => r.status === "failed").map((r) => [r.id, r.error?.code])).toEqual([[0, "statement_refused"]]);
    expect(ranges.filter((r) => r.status === "done").map((r) => r.id)).toEqual([1, 2, 3, 4]);
    expect(run.result).toEqual(await ordersTruth("orders", 2_001n, 10_000n));
  });

  it("a swallowed error: harmless outside a transaction, never committed as a success inside one", async () => {
    const run = await waitForRun((await startRun("test-leaves-state", body("swallow"))).runId);
    const ranges = await allRanges(run.runId);
    if (env.DB_CONNECTOR === "hyperdrive") {
      // Each range runs in a transaction there: the failed one must not pass for done.
      expect(ranges.filter((r) => r.status === "failed").map((r) => [r.id, r.error?.code])).toEqual([[0, "job_error"]]);
      expect(run.result).toEqual(await ordersTruth("orders", 2_001n, 10_000n));
    } else {
      expect(run.status).toBe("succeeded");
      expect(run.result).toEqual(await ordersTruth("orders", 1n, 10_000n));
    }
  });
});
