/**
 * Demo data for the `customers-total` example (a text key): 100,000
 * customers whose emails mix case, accents, non-Latin scripts and shared
 * prefixes, and credits with cents and NULLs; the ground truth is one SQL
 * aggregate.
 */
import type { Json } from "../../../src/jobs/define";
import { withPg } from "../postgres.js";

export const ROWS = 100_000;

export const job = "customers-total";

export async function seed(url: string, rows = ROWS): Promise<void> {
  await withPg(url, async (client) => {
    await client.query("DROP TABLE IF EXISTS customers");
    await client.query("CREATE TABLE customers (email text PRIMARY KEY, credit numeric(12,2))");
    await client.query(
      `INSERT INTO customers (email, credit)
       SELECT format('%s.%s@%s', (ARRAY['anna', 'Bob', 'émile', 'Zoë', 'straße', '日本', 'ann'])[1 + g % 7], g,
                     (ARRAY['example.com', 'Example.org', 'mail.de'])[1 + g % 3]),
              CASE WHEN g % 11 = 0 THEN NULL ELSE round(((g * 7919) % 100003) / 100.0 + 0.01, 2) END
       FROM generate_series(1, $1::int) AS g`,
      [rows],
    );
    await client.query("ANALYZE customers");
  });
}

export async function truth(url: string): Promise<Json> {
  return withPg(url, async (client) => {
    const r = await client.query<{ rows: string; total: string }>(
      "SELECT count(*)::text AS rows, coalesce(sum(credit), 0.00)::numeric(20,2)::text AS total FROM customers",
    );
    return { rows: Number(r.rows[0]?.rows ?? 0), totalCredit: r.rows[0]?.total ?? "0.00" };
  });
}
