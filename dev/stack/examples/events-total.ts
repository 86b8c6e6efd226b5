/**
 * Demo data for the `events-total` example (src/jobs/examples/events-total.ts):
 * 160,000 events keyed by a nullable `at timestamptz`, shaped like a real
 * event log rather than an even spread:
 * - a burst: 100,000 events within one hour;
 * - 25,000 events at one and the same microsecond (a batch import), which
 *   no cut can split: one oversized range;
 * - 30,000 events spread over the 30 days before;
 * - 5,000 events with no `at` (NULL), counted through the NULL range.
 * Amounts have cents and are NULL on 1 row in 25. Ground truth by one SQL
 * statement.
 */
import type pg from "pg";
import { withPg } from "../postgres.js";
import { SEED_SQL, TRUTH_SQL } from "./events-data.js";

export const job = "events-total";

export async function seed(url: string): Promise<void> {
  await withPg(url, async (client: pg.Client) => {
    for (const statement of SEED_SQL) await client.query(statement);
  });
}

export async function truth(url: string): Promise<{ rows: number; totalAmount: string }> {
  return withPg(url, async (client: pg.Client) => {
    const r = await client.query<{ rows: string; total: string }>(TRUTH_SQL);
    return { rows: Number(r.rows[0]?.rows ?? 0), totalAmount: r.rows[0]?.total ?? "0.00" };
  });
}
