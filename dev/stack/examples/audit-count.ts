/**
 * Demo data for the `audit-count` example (no key: split by row position):
 * 100,000 JSON audit entries in a table with no key and no index; the ground
 * truth is one count.
 */
import type { Json } from "../../../src/jobs/define";
import { withPg } from "../postgres.js";

export const ROWS = 100_000;

export const job = "audit-count";

export async function seed(url: string, rows = ROWS): Promise<void> {
  await withPg(url, async (client) => {
    await client.query("DROP TABLE IF EXISTS audit_log");
    await client.query("CREATE TABLE audit_log (entry jsonb NOT NULL)");
    await client.query(
      `INSERT INTO audit_log (entry)
       SELECT jsonb_build_object('seq', g, 'action', (ARRAY['login', 'logout', 'update', 'delete'])[1 + g % 4],
                                 'user', 'u' || (g % 977), 'at', timestamptz '2026-01-01 00:00:00+00' + g * interval '17 seconds')
       FROM generate_series(1, $1::int) AS g`,
      [rows],
    );
    await client.query("ANALYZE audit_log");
  });
}

export async function truth(url: string): Promise<Json> {
  return withPg(url, async (client) => {
    const r = await client.query<{ rows: string }>("SELECT count(*)::text AS rows FROM audit_log");
    return { rows: Number(r.rows[0]?.rows ?? 0) };
  });
}
