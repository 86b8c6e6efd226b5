/**
 * uuid keys end to end (workerd, real Postgres): random (v4) keys and
 * time-ordered (v7-like) keys with a clustered prefix. Every run's result is
 * compared with one SQL statement, and its coverage checked by SQL: each row
 * in exactly one leaf range, and no balanced range over 2x the target rows.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { DryRun } from "../src/planning/dry-run";
import { SEED_SQL as SESSIONS_SEED, TRUTH_SQL as SESSIONS_TRUTH } from "../dev/stack/examples/sessions-data";
import { runCoverage } from "./coverage";
import { api, query, startRun, waitForRun } from "./helpers";

const ROWS_PER_RANGE = 2_000;
const AMOUNT = "CASE WHEN g % 11 = 0 THEN NULL ELSE round(((g * 7919) % 100003) / 100.0 + 0.01, 2) END";

async function truth(table: string, where = "true", values: unknown[] = []) {
  const [row] = await query<{ rows: string; total: string }>(
    `SELECT count(*)::text AS rows, coalesce(sum(amount), 0)::numeric(30,2)::text AS total FROM ${table} WHERE ${where}`,
    values,
  );
  return { rows: Number(row?.rows), totalAmount: row?.total };
}

beforeAll(async () => {
  await query("DROP TABLE IF EXISTS k_uuid_v4, k_uuid_v7");
  await query("CREATE TABLE k_uuid_v4 (id uuid PRIMARY KEY, amount numeric(12,2))");
  await query(`INSERT INTO k_uuid_v4 SELECT gen_random_uuid(), ${AMOUNT} FROM generate_series(1, 60000) g`);
  await query("CREATE TABLE k_uuid_v7 (id uuid PRIMARY KEY, amount numeric(12,2))");
  // 40,000 time-ordered keys (a millisecond clock in the first 48 bits, version 7), then 20,000 under one common prefix.
  await query(`INSERT INTO k_uuid_v7
    SELECT (lpad(to_hex(1790000000000 + g * 3), 12, '0') || '7' || substr(md5(g::text), 1, 3) || '8' || substr(md5(g::text), 4, 15))::uuid, ${AMOUNT}
    FROM generate_series(1, 40000) g`);
  await query(`INSERT INTO k_uuid_v7 SELECT ('ffff0000' || substr(md5('c' || g), 1, 24))::uuid, ${AMOUNT} FROM generate_series(1, 20000) g`);
  await query("ANALYZE k_uuid_v4");
  await query("ANALYZE k_uuid_v7");
});

async function runAndCover(job: string, table: string, body: Record<string, unknown>) {
  const run = await waitForRun((await startRun(job, { rowsPerRange: ROWS_PER_RANGE, canary: false, ...body })).runId);
  expect(run.status, JSON.stringify(run.errors)).toBe("succeeded");
  const c = await runCoverage(run.runId, table, "id");
  expect(c.uncovered, "rows in no range").toBe(0);
  expect(c.twice, "rows in two ranges").toBe(0);
  return { run, c, largest: Math.max(...c.leaves.map((l) => l.counted)) };
}

describe("uuid keys", () => {
  it.each([
    ["random v4", "test-uuid-v4", "k_uuid_v4"],
    ["time-ordered v7 and a clustered prefix", "test-uuid-v7", "k_uuid_v7"],
  ])("balanced split of %s: exact result, exact coverage, no range over 2x the target", async (_, job, table) => {
    const { run, c, largest } = await runAndCover(job, table, { split: "balanced" });
    expect(run.result).toEqual(await truth(table));
    expect(c.leaves.length).toBeGreaterThanOrEqual(60_000 / ROWS_PER_RANGE);
    expect(largest, `rows per range: ${c.leaves.map((l) => l.counted).join(",")}`).toBeLessThanOrEqual(2 * ROWS_PER_RANGE);
    expect(run.ranges.oversized).toBe(0);
  });

  it("uniform split of random v4 keys: equal slices of the 128-bit space, each near the target", async () => {
    const { run, c, largest } = await runAndCover("test-uuid-v4", "k_uuid_v4", { split: "uniform" });
    expect(run.result).toEqual(await truth("k_uuid_v4"));
    expect(c.leaves.length).toBe(30);
    expect(largest).toBeLessThanOrEqual(2 * ROWS_PER_RANGE);
  });

  it("uniform split of clustered keys is lopsided, which is what the balanced split is for", async () => {
    const { run, largest } = await runAndCover("test-uuid-v7", "k_uuid_v7", { split: "uniform" });
    expect(run.result).toEqual(await truth("k_uuid_v7"));
    expect(largest).toBeGreaterThan(2 * ROWS_PER_RANGE);
  });

  it("covers exactly an explicit window [start, end], both ends included", async () => {
    const [lo, hi] = await query<{ id: string }>("SELECT id::text AS id FROM k_uuid_v4 ORDER BY id OFFSET 10000 LIMIT 2 ");
    const [end] = await query<{ id: string }>("SELECT id::text AS id FROM k_uuid_v4 ORDER BY id OFFSET 30000 LIMIT 1");
    expect(hi).toBeDefined();
    const body = { start: lo?.id, end: end?.id };
    for (const split of ["balanced", "uniform"]) {
      const run = await waitForRun((await startRun("test-uuid-v4", { ...body, split, rowsPerRange: ROWS_PER_RANGE, canary: false })).runId);
      expect(run.bounds).toMatchObject({ start: lo?.id, end: end?.id, endInclusive: true });
      expect(run.result, split).toEqual(await truth("k_uuid_v4", "id BETWEEN $1 AND $2", [lo?.id, end?.id]));
    }
  });

  it("sessions-total (the example) equals its SQL ground truth on the demo data", async () => {
    for (const statement of SESSIONS_SEED) await query(statement);
    const run = await waitForRun((await startRun("sessions-total", {})).runId);
    expect(run.status).toBe("succeeded");
    const [row] = await query<{ rows: string; total: string }>(SESSIONS_TRUTH);
    expect(run.result).toEqual({ rows: Number(row?.rows), totalSeconds: row?.total });
  });

  it("dry run and canary", async () => {
    const res = await api("/api/jobs/test-uuid-v4/runs", { method: "POST", body: JSON.stringify({ dryRun: true, rowsPerRange: ROWS_PER_RANGE }) });
    expect(res.status).toBe(200);
    const plan = (await res.json()) as DryRun;
    expect(plan.ranges).toBeGreaterThanOrEqual(30);
    expect(plan.firstRange?.start).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(plan.firstRange?.endInclusive).toBe(false);
    expect(plan.sample).toMatchObject({ result: { rows: expect.any(Number) as number } });

    const run = await waitForRun((await startRun("test-uuid-v4", { rowsPerRange: ROWS_PER_RANGE, canary: 3 })).runId);
    expect(run.status).toBe("succeeded");
    expect(run.canary).toMatchObject({ ranges: 3, done: 3, failed: 0 });
    expect(run.result).toEqual(await truth("k_uuid_v4"));
  });

  it.each([
    ["not a uuid", { start: "abc" }],
    ["upper case", { start: "0190C6B2-7D1E-7B3A-9C4F-1A2B3C4D5E6F" }],
    ["no dashes", { end: "0190c6b27d1e7b3a9c4f1a2b3c4d5e6f" }],
    ["a number", { end: 12 }],
    ["a width", { split: "uniform", width: "PT1H" }],
  ])("refuses a bad bound (%s) with a 400", async (_, body) => {
    const res = await api("/api/jobs/test-uuid-v4/runs", { method: "POST", body: JSON.stringify(body) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_body");
  });

  it("a uuid key over a bigint column is a 422 key_type_mismatch naming both types", async () => {
    const res = await api("/api/jobs/test-uuid-on-bigint/runs", { method: "POST", body: "{}" });
    expect(res.status).toBe(422);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("key_type_mismatch");
    expect(error.message).toContain("bigint");
    expect(error.message).toContain("uuid");
  });
});
