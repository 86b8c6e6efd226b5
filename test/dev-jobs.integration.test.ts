/**
 * The dev jobs (dev/jobs/) through the real Worker, for the two bugs issue 10
 * found in them:
 * - `staged-payments-total` on real rows: an amount that is not a plain
 *   decimal with at most two places fails its range with Postgres's 22P02,
 *   naming the value, while every other range folds exactly. It used to cast
 *   `amount::numeric(14,2)`, which rounded "1.005" to 1.01 and read "1e3" as
 *   1000.00, in a job meant to validate amounts.
 * - `noop` counts keys exactly over ranges wider than 2^53 keys. It used to
 *   count them as `Number(end - start + 1n)`, which rounds there.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { query, startRun, waitForRun } from "./helpers";

describe("noop", () => {
  it("counts 2^54 + 1 keys exactly, in ranges of 2^53 - 1 keys", async () => {
    const end = 2n ** 54n + 1n;
    const body = { split: "uniform", start: "1", end: end.toString(), rowsPerRange: Number.MAX_SAFE_INTEGER, canary: false };
    const run = await waitForRun((await startRun("noop", body)).runId);
    expect(run.status).toBe("succeeded");
    expect(run.ranges.total).toBe(3);
    expect(run.result).toEqual({ ranges: 3, keys: end.toString() });
  });
});

/** One bad amount per range of 100 keys; range 3 (ids 301..400) holds only valid amounts. */
const BAD: Record<number, string> = { 50: "1.005", 150: "1e3", 250: "n/a" };
const VALID_EDGE_CASES: Record<number, string> = { 310: "-12.5", 320: "7", 330: "0.01", 340: "999999999999.99" };

beforeAll(async () => {
  await query("DROP TABLE IF EXISTS staged_payments");
  await query("CREATE TABLE staged_payments (id bigint PRIMARY KEY, amount text)");
  await query(
    `INSERT INTO staged_payments (id, amount)
     SELECT g, CASE WHEN g % 13 = 0 THEN NULL ELSE to_char((g * 37 % 1000) / 100.0, 'FM9990.00') END
     FROM generate_series(1, 400) AS g`,
  );
  for (const [id, amount] of Object.entries({ ...BAD, ...VALID_EDGE_CASES })) {
    await query("UPDATE staged_payments SET amount = $2 WHERE id = $1", [id, amount]);
  }
});

describe("staged-payments-total", () => {
  it("fails the ranges holding 1.005, 1e3 and n/a with 22P02, and totals the valid range exactly", async () => {
    const run = await waitForRun((await startRun("staged-payments-total", { split: "uniform", rowsPerRange: 100, canary: false })).runId);
    expect(run.status).toBe("failed");
    const failed = run.errors.filter((e) => e.rangeId !== null).sort((a, b) => Number(a.start) - Number(b.start));
    expect(failed.map((e) => [e.start, e.end, e.code])).toEqual([
      ["1", "100", "22P02"],
      ["101", "200", "22P02"],
      ["201", "300", "22P02"],
    ]);
    expect(failed.map((e) => e.message)).toEqual(Object.values(BAD).map((v) => expect.stringContaining(v)));
    const [truth] = await query<{ rows: string; total: string }>(
      "SELECT count(*)::text AS rows, coalesce(sum(amount::numeric), 0)::numeric(20,2)::text AS total FROM staged_payments WHERE id BETWEEN 301 AND 400",
    );
    expect(run.result).toEqual({ rows: Number(truth?.rows), totalAmount: truth?.total });
  });
});
