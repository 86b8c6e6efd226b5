/**
 * The tables the demo, the benchmark and the tests run over, each with its
 * SQL ground truth: one aggregate the run's result must equal.
 *
 * - `orders` (job `orders-total`): made in one SQL statement and reused when
 *   it already holds the requested rows. Amounts are deterministic, include
 *   nulls (every 17th row) and cents, so an exact total is a real check and a
 *   float sum would show its rounding.
 * - `staged_payments` (job `staged-payments-total`): amounts stored as text,
 *   as an import would land them. `bad` ids get the amount "n/a", which is
 *   not a number, so their ranges fail with a real Postgres error (22P02)
 *   until the rows are fixed.
 */
import { withPg } from "./postgres.js";

export interface SeedResult {
  rows: number;
  created: boolean;
}

export async function seedOrders(url: string, rows: number, table = "orders"): Promise<SeedResult> {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`bad table name ${table}`);
  return withPg(url, async (client) => {
    const exists = await client.query<{ n: string | null }>(
      `SELECT CASE WHEN to_regclass($1) IS NULL THEN NULL ELSE (SELECT count(*) FROM ${table})::text END AS n`,
      [table],
    ).catch(async () => ({ rows: [{ n: null }] }));
    const present = exists.rows[0]?.n;
    if (present !== null && present !== undefined && Number(present) === rows) return { rows, created: false };
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.query(
      `CREATE TABLE ${table} (id bigint PRIMARY KEY, amount numeric(12,2), created_at timestamptz NOT NULL DEFAULT now())`,
    );
    await client.query(
      `INSERT INTO ${table} (id, amount)
       SELECT g, CASE WHEN g % 17 = 0 THEN NULL ELSE round(((g * 7919) % 100003) / 100.0 + 0.01, 2) END
       FROM generate_series(1, $1::bigint) AS g`,
      [rows],
    );
    await client.query(`ANALYZE ${table}`);
    return { rows, created: true };
  });
}

/** Ground truth for `orders-total`: one SQL aggregate. */
export async function ordersTruth(url: string, table = "orders"): Promise<{ rows: number; totalAmount: string }> {
  return withPg(url, async (client) => {
    const r = await client.query<{ rows: string; total: string }>(
      `SELECT count(*)::text AS rows, coalesce(sum(amount), 0.00)::numeric(20,2)::text AS total FROM ${table}`,
    );
    return { rows: Number(r.rows[0]?.rows ?? 0), totalAmount: r.rows[0]?.total ?? "0.00" };
  });
}

/** (Re)creates `staged_payments` with ids 1..rows; amounts are deterministic, every 13th is null. */
export async function seedStagedPayments(url: string, rows: number, bad: readonly number[] = []): Promise<void> {
  await withPg(url, async (client) => {
    await client.query("DROP TABLE IF EXISTS staged_payments");
    await client.query("CREATE TABLE staged_payments (id bigint PRIMARY KEY, amount text)");
    await client.query(
      `INSERT INTO staged_payments (id, amount)
       SELECT g, CASE WHEN g % 13 = 0 THEN NULL ELSE to_char(((g * 7907) % 50021) / 100.0 + 0.01, 'FM999990.00') END
       FROM generate_series(1, $1::bigint) AS g`,
      [rows],
    );
    if (bad.length) await client.query("UPDATE staged_payments SET amount = 'n/a' WHERE id = ANY($1::bigint[])", [bad.map(String)]);
    await client.query("ANALYZE staged_payments");
  });
}

/** Gives row `id` a valid amount again, as someone fixing the import would. */
export async function fixStagedPayment(url: string, id: number, amount = "1.00"): Promise<void> {
  await withPg(url, (client) => client.query("UPDATE staged_payments SET amount = $2 WHERE id = $1", [id, amount]));
}

/**
 * Ground truth for `staged-payments-total`, leaving out the key ranges given
 * (those of failed ranges: a failed run's result is the fold of the others).
 */
export async function stagedPaymentsTruth(
  url: string,
  exceptRanges: ReadonlyArray<{ start: string; end: string }> = [],
): Promise<{ rows: number; totalAmount: string }> {
  return withPg(url, async (client) => {
    const where = exceptRanges.map((_, i) => `AND NOT (id BETWEEN $${2 * i + 1} AND $${2 * i + 2})`).join(" ");
    const r = await client.query<{ rows: string; total: string }>(
      `SELECT count(*)::text AS rows, coalesce(sum(amount::numeric(14,2)), 0.00)::numeric(20,2)::text AS total
       FROM staged_payments WHERE true ${where}`,
      exceptRanges.flatMap((x) => [x.start, x.end]),
    );
    return { rows: Number(r.rows[0]?.rows ?? 0), totalAmount: r.rows[0]?.total ?? "0.00" };
  });
}
