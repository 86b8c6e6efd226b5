/**
 * Planning on real key spaces (issue: even ranges on any key space, and a
 * small window first). For each fixture table the run's ranges must tile
 * [min, max] exactly and the result must equal one SQL aggregate; balanced
 * ranges must be even by SQL's own count.
 */
import { describe, expect, it } from "vitest";
import type { RunStatus } from "../src/coordinator/types";
import type { RangeView } from "../src/coordinator/status";
import { allRanges, api, expectTiles, getRun, ordersTruth, query, startRun, waitForRun } from "./helpers";

/** The ledger's leaf ranges: what covers the key space. */
async function ledger(runId: string): Promise<RangeView[]> {
  return (await allRanges(runId, undefined, 1000)).filter((r) => r.status !== "split");
}

/** Rows per range, counted by SQL. */
async function rowsPerRange(table: string, ranges: RangeView[]): Promise<number[]> {
  const rows = await query<{ n: string }>(
    `SELECT (SELECT count(*) FROM ${table} WHERE id BETWEEN r.s AND r.e)::text AS n
     FROM unnest($1::bigint[], $2::bigint[]) AS r(s, e)`,
    [`{${ranges.map((r) => r.start).join(",")}}`, `{${ranges.map((r) => r.end).join(",")}}`],
  );
  return rows.map((r) => Number(r.n));
}

async function bounds(table: string): Promise<{ lo: bigint; hi: bigint } | null> {
  const [row] = await query<{ lo: string | null; hi: string | null }>(`SELECT min(id)::text AS lo, max(id)::text AS hi FROM ${table}`);
  return row?.lo && row.hi ? { lo: BigInt(row.lo), hi: BigInt(row.hi) } : null;
}

async function runOn(table: string, body: Record<string, unknown>): Promise<RunStatus> {
  const run = await waitForRun((await startRun(`sum-${table.replace(/_/g, "-")}`, body)).runId);
  expect(run.status).toBe("succeeded");
  expect(run.result).toEqual(await ordersTruth(table));
  return run;
}

describe("every key space, both splits: exact coverage and the exact result", () => {
  const tables = ["t_dense", "t_gaps", "t_skewed", "t_small", "t_single", "t_nostats"];
  for (const table of tables) {
    it(`${table}, balanced`, async () => {
      const run = await runOn(table, { rowsPerRange: 1_000 });
      const b = await bounds(table);
      if (!b) throw new Error("fixture is empty");
      expect(run.bounds).toMatchObject({ start: b.lo.toString(), end: b.hi.toString() });
      expectTiles(await ledger(run.runId), b.lo, b.hi);
    });
  }

  // Keys per range: the gappy table needs wide ranges to stay under the cap (most of them empty).
  for (const [table, width] of [["t_dense", 1_000], ["t_gaps", 10_000_000], ["t_small", 1_000], ["t_single", 1_000]] as const) {
    it(`${table}, uniform`, async () => {
      const run = await runOn(table, { rowsPerRange: width, split: "uniform" });
      const b = await bounds(table);
      if (!b) throw new Error("fixture is empty");
      expectTiles(await ledger(run.runId), b.lo, b.hi);
    });
  }

  it("an empty table succeeds with zero rows and an exact zero total", async () => {
    const run = await runOn("t_empty", {});
    expect(run.result).toEqual({ rows: 0, totalAmount: "0.00" });
    expect(run.ranges.total).toBe(0);
    expect(run.bounds).toMatchObject({ start: null, end: null });
  });

  it("a table with fewer rows than one range is one range", async () => {
    const run = await runOn("t_small", { rowsPerRange: 10_000 });
    expect(run.ranges.total).toBe(1);
  });
});

describe("balanced split on a skewed key space", () => {
  it("keeps the largest range within 2x rowsPerRange, by SQL's count", async () => {
    const rpr = 1_000;
    const run = await runOn("t_skewed", { rowsPerRange: rpr });
    const counts = await rowsPerRange("t_skewed", await ledger(run.runId));
    const total = counts.reduce((a, b) => a + b, 0);
    expect(total).toBe((await ordersTruth("t_skewed")).rows);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2 * rpr);
    // and not a scatter of empty ranges either
    expect(counts.length).toBeLessThanOrEqual(Math.ceil((2 * total) / rpr));
  });

  it("a uniform split of the same key space is refused with advice to use balanced", async () => {
    const res = await api("/api/jobs/sum-t-skewed/runs", { method: "POST", body: JSON.stringify({ split: "uniform", rowsPerRange: 1000 }) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("too_many_ranges");
    expect(body.error.message).toMatch(/balanced/);
  });
});

describe("key checks", () => {
  it("refuses a key of a type rangemap cannot split, naming the types it can, and an unindexed key without opt-in", async () => {
    const numeric = await api("/api/jobs/sum-t-numeric-key/runs", { method: "POST", body: "{}" });
    expect(numeric.status).toBe(422);
    const refused = (await numeric.json()) as { error: { code: string; message: string } };
    expect(refused.error.code).toBe("key_type_unsupported");
    expect(refused.error.message).toMatch(/numeric/);
    expect(refused.error.message).toMatch(/integer/);
    const unindexed = await api("/api/jobs/sum-t-unindexed/runs", { method: "POST", body: "{}" });
    expect(unindexed.status).toBe(422);
    const body = (await unindexed.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("key_not_indexed");
    expect(body.error.message).toMatch(/CREATE INDEX/);
  });

  it("refuses bounds the key's type cannot hold, and runs an integer key to its ends", async () => {
    const res = await api("/api/jobs/sum-t-int4/runs", { method: "POST", body: JSON.stringify({ end: "2147483648" }) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({ code: "invalid_bounds", message: expect.stringMatching(/2147483647/) });
    const run = await runOn("t_int4", { start: "-2147483648", end: "2147483647", rowsPerRange: 50 });
    expectTiles(await ledger(run.runId), -(2n ** 31n), 2n ** 31n - 1n);
  });

  it("runs on an unindexed key when the job opts in", async () => {
    const run = await waitForRun((await startRun("sum-t-unindexed-allowed", { rowsPerRange: 30 })).runId);
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual(await ordersTruth("t_unindexed"));
  });

  it("handles ids at both ends of bigint without overflow", async () => {
    const run = await runOn("t_skewed", { start: "-9223372036854775808", end: "9223372036854775807", rowsPerRange: 2_000 });
    expectTiles(await ledger(run.runId), -(2n ** 63n), 2n ** 63n - 1n);
  });
});

describe("snapshot bound", () => {
  it("rows inserted after the run starts are outside it, and the status says so", async () => {
    const started = await startRun("sum-t-grow", { rowsPerRange: 500, concurrency: 1, params: { sleepMs: 30 } });
    expect(started.bounds).toMatchObject({ start: "1", end: "10000", endFromSnapshot: true });
    await query("INSERT INTO t_grow (id, amount) SELECT g, 5.00 FROM generate_series(10001, 10100) g ON CONFLICT DO NOTHING");
    try {
      const run = await waitForRun(started.runId);
      expect(run.status).toBe("succeeded");
      expect(run.result).toEqual(await ordersTruth("t_grow", 1n, 10000n));
      expect(run.result).not.toEqual(await ordersTruth("t_grow"));
    } finally {
      await query("DELETE FROM t_grow WHERE id > 10000");
    }
  });
});

describe("canary", () => {
  it("runs a small first window before the rest, and its results count", async () => {
    const started = await startRun("orders-total", { rowsPerRange: 500, concurrency: 4 });
    expect(started.phase).toBe("canary");
    expect(started.canary?.ranges).toBe(1);
    const run = await waitForRun(started.runId);
    expect(run.status).toBe("succeeded");
    expect(run.canary).toMatchObject({ ranges: 1, done: 1, failed: 0 });
    expect(run.canary?.projectedSeconds).not.toBeNull();
    expect(run.result).toEqual(await ordersTruth());
    const attempts = (await ledger(run.runId)).map((r) => r.attempts);
    expect(attempts.every((a) => a === 1)).toBe(true); // canary ranges were not re-run
  });

  it("a failing canary ends the run failed in phase canary before the rest is dispatched", async () => {
    await query("INSERT INTO poison_keys (key) VALUES (7) ON CONFLICT DO NOTHING");
    try {
      const run = await waitForRun((await startRun("test-poison", { rowsPerRange: 1_000, canary: 2 })).runId);
      expect(run).toMatchObject({ status: "failed", phase: "canary" });
      const ranges = await ledger(run.runId);
      expect(ranges.filter((r) => r.attempts > 0).map((r) => r.id)).toEqual([0, 1]);
      expect(ranges.filter((r) => r.status === "pending")).toHaveLength(ranges.length - 2);
    } finally {
      await query("DELETE FROM poison_keys WHERE key = 7");
    }
  });

  it("canary: false skips it", async () => {
    const started = await startRun("orders-total", { rowsPerRange: 5_000, canary: false });
    expect(started.phase).toBe("main");
    expect(started.canary).toBeNull();
    expect((await waitForRun(started.runId)).result).toEqual(await ordersTruth());
  });
});

describe("dryRun", () => {
  it("returns the plan, the SQL a range runs and a projection, and starts nothing", async () => {
    const res = await api("/api/jobs/orders-total/runs", { method: "POST", body: JSON.stringify({ dryRun: true, rowsPerRange: 2_500 }) });
    expect(res.status).toBe(200);
    const plan = (await res.json()) as Record<string, unknown> & { sql: string[]; estimatedRowsPerRange: { min: number; median: number; max: number } };
    const truth = await ordersTruth();
    expect(plan).toMatchObject({ dryRun: true, split: "balanced", ranges: 20, bounds: { start: "1", end: String(truth.rows) } });
    expect(plan.estimatedRowsPerRange.median).toBeGreaterThan(2_000);
    expect(plan.estimatedRowsPerRange.max).toBeLessThanOrEqual(5_000);
    expect(plan.sql.join("\n")).toMatch(/"id" >= \$1 AND "id" <= \$2/);
    expect(plan["projectedSeconds"]).toEqual(expect.any(Number));
    expect(plan["runId"]).toBeUndefined();
  });

  it("with canary: false, plans without touching a range", async () => {
    const res = await api("/api/jobs/orders-total/runs", { method: "POST", body: JSON.stringify({ dryRun: true, canary: false }) });
    expect(res.status).toBe(200);
    const plan = (await res.json()) as { dryRun: boolean; sql: unknown; projectedSeconds: unknown; ranges: number; runId?: string };
    expect(plan).toMatchObject({ dryRun: true, sql: null, projectedSeconds: null });
    expect(plan.ranges).toBeGreaterThan(0);
    expect(plan.runId).toBeUndefined();
  });
});

describe("run status during a run", () => {
  it("reports progress that only moves forward", async () => {
    const started = await startRun("test-slow", { rowsPerRange: 2_500, concurrency: 2, params: { sleepMs: 40 } });
    let lastDone = -1;
    let lastRows = -1;
    for (;;) {
      const run = await getRun(started.runId);
      expect(run.ranges.done).toBeGreaterThanOrEqual(lastDone);
      expect(run.rows).toBeGreaterThanOrEqual(lastRows);
      expect((run.result as { rows: number }).rows).toBe(run.rows);
      lastDone = run.ranges.done;
      lastRows = run.rows;
      if (run.status !== "running") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(lastRows).toBe((await ordersTruth()).rows);
  });
});
