/**
 * The `staged_payments` table of the `staged-payments-total` example job:
 * amounts stored as text, as an import would land them. `bad` ids get the
 * amount "n/a", which is not a number, so their ranges fail with a real
 * Postgres error (22P02) until the rows are fixed.
 */
import pg from "pg";

async function withPg<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
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
