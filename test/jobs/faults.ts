/**
 * Test-only jobs with one injected fault each. Each computes what
 * `orders-total` computes, so results are checked against the same SQL ground
 * truth:
 *
 * - `test-flaky`:  throws on the first attempt of every third range;
 * - `test-broken`: range 0 throws, or returns a result that does not combine;
 * - `test-poison`: fails with a real Postgres error (22012) on any range that
 *   holds a key listed in the `poison_keys` table;
 * - `test-slow`:   sleeps in Postgres, `sleepMs` per range plus `sleepMsPerKey`
 *   per key, to hold ranges in flight or make wide ranges time out.
 */
import { z } from "zod";
import type { Identifier, Sql } from "../../src/db/sql";
import { count, decimalSum, fields } from "../../src/jobs/combiners";
import { defineJob, type Range } from "../../src/jobs/define";

/** The `orders-total` combiner, shared by the test jobs. */
export const totalsCombine = fields({ rows: count(), totalAmount: decimalSum("0.00") });

/** `orders-total`'s aggregate over one range of any table with an `amount` column. */
export async function totals(sql: Sql, t: { table: Identifier; key: Identifier }, range: Range) {
  const [row] = await sql<{ rows: string; total: string }>`
    SELECT count(*) AS rows, coalesce(sum(amount), 0)::text AS total
    FROM ${t.table} WHERE ${range.where}`;
  return { rows: Number(row?.rows ?? 0), totalAmount: row?.total ?? "0" };
}

export const flaky = defineJob({
  name: "test-flaky",
  table: "orders",
  key: "id",
  async process(range, { sql, target }) {
    if (range.attempt === 1 && range.id % 3 === 0) throw new Error(`injected failure in range ${range.id}`);
    return totals(sql, target, range);
  },
  combine: totalsCombine,
});

/**
 * Range 0 goes wrong as `params.mode` says: a plain `throw`; a result that
 * does not combine; a parameter the driver cannot serialise (a circular
 * object); or a query bound with too few parameters (Postgres answers 08P01).
 */
export const broken = defineJob({
  name: "test-broken",
  table: "orders",
  key: "id",
  params: z.object({ mode: z.enum(["throw", "bad-result", "bad-param", "bad-bind"]) }),
  async process(range, { sql, target, params }) {
    if (range.id === 0 && params.mode === "throw") throw new Error("this range always fails");
    if (range.id === 0 && params.mode === "bad-param") {
      const circular: Record<string, unknown> = {};
      circular["self"] = circular;
      await sql.query("SELECT $1::text", [circular as unknown as string]);
    }
    if (range.id === 0 && params.mode === "bad-bind") await sql.query("SELECT $1::int + $2::int", [1]);
    const totalsOf = await totals(sql, target, range);
    if (range.id === 0 && params.mode === "bad-result") return { rows: totalsOf.rows, totalAmount: "NaN" };
    return totalsOf;
  },
  combine: totalsCombine,
});

export const poison = defineJob({
  name: "test-poison",
  table: "orders",
  key: "id",
  async process(range, { sql, target }) {
    const [row] = await sql<{ rows: string; total: string }>`
      SELECT count(*) AS rows, coalesce(sum(amount), 0)::text AS total,
             (SELECT 1 / (min(key) - min(key)) FROM poison_keys
              WHERE key BETWEEN ${range.start} AND ${range.end}) AS poisoned
      FROM ${target.table} WHERE ${range.where}`;
    return { rows: Number(row?.rows ?? 0), totalAmount: row?.total ?? "0" };
  },
  combine: totalsCombine,
});

export const slow = defineJob({
  name: "test-slow",
  table: "orders",
  key: "id",
  params: z.object({ sleepMs: z.number().min(0).optional(), sleepMsPerKey: z.number().min(0).optional() }).strict(),
  async process(range, { sql, target, params }) {
    const keys = range.nulls ? 0 : Number(range.end - range.start + 1n);
    const ms = (params.sleepMs ?? 0) + (params.sleepMsPerKey ?? 0) * keys;
    await sql`SELECT pg_sleep(${ms / 1000})`;
    return totals(sql, target, range);
  },
  combine: totalsCombine,
});

/**
 * Range 0 tries to leave state behind on its connection, as `params.mode`
 * says: an open transaction (`begin`), a session setting (`set`), a
 * temporary table (`temp`), or an error it swallows (`swallow`, which inside
 * a range's transaction leaves that transaction failed). The ranges after it
 * run on the same connection when the run's concurrency is 1.
 */
export const leavesState = defineJob({
  name: "test-leaves-state",
  table: "orders",
  key: "id",
  params: z.object({ mode: z.enum(["begin", "set", "temp", "swallow"]) }),
  async process(range, { sql, target, params }) {
    if (range.id === 0) {
      if (params.mode === "begin") await sql.query("BEGIN");
      if (params.mode === "set") await sql.query("SET search_path = nowhere");
      if (params.mode === "temp") await sql.query("CREATE TEMP TABLE leftover AS SELECT 1 AS x");
    }
    const result = await totals(sql, target, range);
    // Last, so no statement of its own runs into the failed transaction it may leave.
    if (range.id === 0 && params.mode === "swallow") await sql.query("SELECT 1 / 0").catch(() => undefined);
    return result;
  },
  combine: totalsCombine,
});
