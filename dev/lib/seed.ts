/**
 * The `orders` table the demo, the benchmark and the tests run over, made in
 * one SQL statement and reused when it already holds the requested rows.
 *
 * Amounts are deterministic, include nulls (every 17th row) and cents, so an
 * exact total is a real check and a float sum would show its rounding.
 */
import pg from "pg";

export interface SeedResult {
  rows: number;
  created: boolean;
}

export async function seedOrders(url: string, rows: number, table = "orders"): Promise<SeedResult> {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`bad table name ${table}`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
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
  } finally {
    await client.end();
  }
}

/** Ground truth for `orders-total`: one SQL aggregate. */
export async function ordersTruth(url: string, table = "orders"): Promise<{ rows: number; totalAmount: string }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query<{ rows: string; total: string }>(
      `SELECT count(*)::text AS rows, coalesce(sum(amount), 0.00)::numeric(20,2)::text AS total FROM ${table}`,
    );
    return { rows: Number(r.rows[0]?.rows ?? 0), totalAmount: r.rows[0]?.total ?? "0.00" };
  } finally {
    await client.end();
  }
}
