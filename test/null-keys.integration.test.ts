/**
 * Rows whose key is NULL are not silently skipped (DESIGN invariant 6,
 * widened): a run over the whole table gives them a range of their own,
 * covered, listed last in key order, and marked oversized when NULL alone
 * holds more rows than a range should. A job that refuses NULL keys says so
 * at plan time. Before typed keys, these rows fell outside every range and
 * the total silently disagreed with SQL.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { allRanges, api, query, startRun, waitForRun } from "./helpers";

const NULLS = 500;

/** The whole table (or a window of it), by one SQL statement. */
async function truth(where = "true") {
  const [row] = await query<{ rows: string; total: string }>(
    `SELECT count(*)::text AS rows, coalesce(sum(amount), 0)::text AS total FROM t_nullable_key WHERE ${where}`,
  );
  return { rows: Number(row?.rows), totalAmount: row?.total };
}

beforeAll(async () => {
  await query("DROP TABLE IF EXISTS t_nullable_key");
  await query("CREATE TABLE t_nullable_key (id bigint, amount numeric(12,2))");
  await query("CREATE INDEX ON t_nullable_key (id)");
  // 4,500 keyed rows, with duplicates, and 500 rows whose key is NULL.
  await query("INSERT INTO t_nullable_key SELECT (g % 4000) + 1, (g % 97) * 1.25 FROM generate_series(1, 4500) g");
  await query(`INSERT INTO t_nullable_key SELECT NULL, 3.50 FROM generate_series(1, ${NULLS})`);
  await query("ANALYZE t_nullable_key");
});

describe("NULL keys", () => {
  it("a whole-table run covers the NULL-key rows in a range of their own, last in key order", async () => {
    const run = await waitForRun((await startRun("test-nullable", { rowsPerRange: 1_000, canary: false })).runId);
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual(await truth());
    const ranges = await allRanges(run.runId);
    const nullRanges = ranges.filter((r) => r.nulls);
    expect(nullRanges).toHaveLength(1);
    expect(nullRanges[0]).toMatchObject({ start: null, end: null, rows: NULLS, oversized: false, status: "done" });
    const byPosition = [...ranges].sort((a, b) => (a.position < b.position ? -1 : 1));
    expect(byPosition.at(-1)?.nulls).toBe(true);
    // Every keyed row in exactly one range: the keyed ranges' rows add up to the keyed rows.
    const keyed = ranges.filter((r) => !r.nulls).reduce((n, r) => n + (r.rows ?? 0), 0);
    expect(keyed).toBe((await truth("id IS NOT NULL")).rows);
  });

  it("a NULL range bigger than a range should be is kept whole and marked oversized, in the status and the strip", async () => {
    const run = await waitForRun((await startRun("test-nullable", { rowsPerRange: 200, canary: false })).runId);
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual(await truth());
    expect(run.ranges.oversized).toBe(1);
    const nullRange = (await allRanges(run.runId)).find((r) => r.nulls);
    expect(nullRange).toMatchObject({ oversized: true, rows: NULLS });
    const res = await api(`/api/runs/${run.runId}/strip?bins=5`);
    const strip = (await res.json()) as { bins: Array<{ nulls: boolean; oversized: number; start: string | null; rows: number }> };
    expect(strip.bins.at(-1)).toMatchObject({ nulls: true, oversized: 1, start: null, rows: NULLS });
    expect(strip.bins.filter((b) => b.nulls)).toHaveLength(1);
  });

  it("a run with bounds covers its window only: NULL is in no window", async () => {
    const run = await waitForRun((await startRun("test-nullable", { start: "100", end: "2000", canary: false })).runId);
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual(await truth("id BETWEEN 100 AND 2000"));
    expect((await allRanges(run.runId)).some((r) => r.nulls)).toBe(false);
  });

  it("a job that refuses NULL keys fails at plan time with a 422 that says how many", async () => {
    const res = await api("/api/jobs/test-nullable-refused/runs", { method: "POST", body: "{}" });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("null_keys");
    expect(body.error.message).toMatch(new RegExp(`${NULLS} rows`));
  });
});
