/**
 * A range that holds one key value with far more rows than a range should is
 * kept whole and marked oversized, also when it is the window's first range,
 * which starts at the run's `start` rather than at a key: its rows are
 * counted by the range's own predicate, not by `key = start`.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { allRanges, query, startRun, waitForRun } from "./helpers";

beforeAll(async () => {
  await query("DROP TABLE IF EXISTS k_heavy_first");
  await query("CREATE TABLE k_heavy_first (at timestamptz, amount numeric(12,2))");
  await query("CREATE INDEX ON k_heavy_first (at)");
  // 500 rows at one instant (a bulk insert under one now()), then 50 spread over the next hours.
  await query("INSERT INTO k_heavy_first SELECT '2026-03-01T00:00:00Z', 1.25 FROM generate_series(1, 500)");
  await query("INSERT INTO k_heavy_first SELECT '2026-03-01T00:00:00Z'::timestamptz + g * interval '1 minute', 2.50 FROM generate_series(1, 50) g");
  await query("ANALYZE k_heavy_first");
});

describe("an oversized first range", () => {
  it("behind a start that is not a key, is counted by its own predicate and marked oversized", async () => {
    const run = await waitForRun(
      (await startRun("test-ts-heavy-first", { start: "2026-02-28T00:00:00Z", end: "2026-03-02T00:00:00Z", rowsPerRange: 100, canary: false })).runId,
    );
    expect(run.status).toBe("succeeded");
    const [truth] = await query<{ rows: string; total: string }>("SELECT count(*)::text AS rows, sum(amount)::text AS total FROM k_heavy_first");
    expect(run.result).toEqual({ rows: Number(truth?.rows), totalAmount: truth?.total });
    const first = (await allRanges(run.runId)).sort((a, b) => (a.position < b.position ? -1 : 1))[0];
    expect(first).toMatchObject({ start: "2026-02-28T00:00:00.000000Z", oversized: true, estimatedRows: 500, rows: 500 });
    expect(run.ranges.oversized).toBe(1);
  });
});
