/**
 * Splitting after a timeout, for keys the Coordinator halves by arithmetic
 * (uuid and time): a range that times out is retired for two halves that
 * cover it exactly, and the run's result stays exact. The test jobs sleep
 * past their timeout on any range wider than a limit, so every planned range
 * is halved until its pieces are narrow enough. Uses the tables of
 * keys-uuid and keys-time (created again here).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { runCoverage } from "./coverage";
import { query, startRun, waitForRun } from "./helpers";

beforeAll(async () => {
  await query("DROP TABLE IF EXISTS k_uuid_v4, k_ts");
  await query("CREATE TABLE k_uuid_v4 (id uuid PRIMARY KEY, amount numeric(12,2))");
  await query("INSERT INTO k_uuid_v4 SELECT gen_random_uuid(), round((g % 997) / 10.0, 2) FROM generate_series(1, 20000) g");
  await query("CREATE TABLE k_ts (at timestamp, amount numeric(12,2))");
  await query(`INSERT INTO k_ts SELECT '2026-03-01 00:00:00'::timestamp + g * interval '7 seconds 1 microsecond', round((g % 997) / 10.0, 2)
               FROM generate_series(1, 40000) g`);
  await query(`INSERT INTO k_ts SELECT d + o * interval '1 microsecond', 0.5 FROM generate_series('2026-03-01 06:00'::timestamp, '2026-03-03', '6 hours') d, generate_series(-1, 1) o`);
  await query("INSERT INTO k_ts VALUES ('2026-03-03 23:59:59.999999', 0.25)");
  await query("CREATE INDEX ON k_ts (at)");
});

async function truth(table: string, where: string) {
  const [row] = await query<{ rows: string; total: string }>(
    `SELECT count(*)::text AS rows, coalesce(sum(amount), 0)::numeric(30,2)::text AS total FROM ${table} WHERE ${where}`,
  );
  return { rows: Number(row?.rows), totalAmount: row?.total };
}

describe("ranges halved after a timeout", () => {
  it("uuid: three slices of the 128-bit space halved to twelve, exact coverage and result", async () => {
    const body = { start: "00000000-0000-0000-0000-000000000000", end: "ffffffff-ffff-ffff-ffff-ffffffffffff", split: "uniform", rowsPerRange: 7_000, concurrency: 4, canary: false };
    const run = await waitForRun((await startRun("test-uuid-slow-wide", body)).runId);
    expect(run.status, JSON.stringify(run.errors).slice(0, 500)).toBe("succeeded");
    expect(run.result).toEqual(await truth("k_uuid_v4", "true"));
    const c = await runCoverage(run.runId, "k_uuid_v4", "id");
    expect([c.uncovered, c.twice]).toEqual([0, 0]);
    expect(c.leaves).toHaveLength(12);
    expect(c.leaves.every((l) => l.status === "done")).toBe(true);
  });

  it("timestamp: day windows halved to 6-hour pieces, rows on the cuts counted once", async () => {
    const body = { start: "2026-03-01T00:00:00", end: "2026-03-03T23:59:59.999999", split: "uniform", width: "P1D", concurrency: 4, canary: false };
    const run = await waitForRun((await startRun("test-ts-slow-wide", body)).runId);
    expect(run.status, JSON.stringify(run.errors).slice(0, 500)).toBe("succeeded");
    const within = "at BETWEEN '2026-03-01T00:00:00' AND '2026-03-03T23:59:59.999999'";
    expect(run.result).toEqual(await truth("k_ts", within));
    const c = await runCoverage(run.runId, "k_ts", "at", within);
    expect([c.uncovered, c.twice]).toEqual([0, 0]);
    expect(c.leaves.map((l) => l.start?.slice(0, 16))).toEqual(
      ["01", "02", "03"].flatMap((d) => ["00", "06", "12", "18"].map((h) => `2026-03-${d}T${h}:00`)),
    );
  });
});
