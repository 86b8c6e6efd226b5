/**
 * Demo data for the `sessions-total` example (src/jobs/examples/sessions-total.ts):
 * 150,000 sessions with random (v4) uuid ids, and its ground truth by one SQL
 * statement. `seconds` is NULL on about 1 row in 20, so `rows` and the sum
 * are different checks.
 */
import type pg from "pg";
import { withPg } from "../postgres.js";
import { SEED_SQL, TRUTH_SQL } from "./sessions-data.js";

export const job = "sessions-total";

export async function seed(url: string): Promise<void> {
  await withPg(url, async (client: pg.Client) => {
    for (const statement of SEED_SQL) await client.query(statement);
  });
}

export async function truth(url: string): Promise<{ rows: number; totalSeconds: string }> {
  return withPg(url, async (client: pg.Client) => {
    const r = await client.query<{ rows: string; total: string }>(TRUTH_SQL);
    return { rows: Number(r.rows[0]?.rows ?? 0), totalSeconds: r.rows[0]?.total ?? "0" };
  });
}
