/**
 * Test jobs for pacing (test/pacing.integration.test.ts). Both compute what
 * `orders-total` computes, so results are checked against the same SQL:
 *
 * - `test-paced`:  `sleepMs` per range (in Postgres), for rate limits and
 *   pause/resume, which the run body sets;
 * - `test-health`: the same, with a health check that reads the row `key`
 *   of `pacing_control (key text, healthy boolean, reason text)`, which the
 *   test creates and flips; checked every second.
 */
import { z } from "zod";
import { defineJob } from "../../src/jobs/define";
import { totals, totalsCombine } from "./faults";

const params = z
  .object({ sleepMs: z.number().min(0).optional(), key: z.string().optional() })
  .strict()
  .optional()
  .transform((p) => p ?? {});

export const paced = defineJob({
  name: "test-paced",
  table: "orders",
  key: "id",
  canary: false,
  params,
  async process(range, { sql, target, params }) {
    if (params.sleepMs) await sql`SELECT pg_sleep(${params.sleepMs / 1000})`;
    return totals(sql, target, range);
  },
  combine: totalsCombine,
});

export const health = defineJob({
  name: "test-health",
  table: "orders",
  key: "id",
  canary: false,
  healthCheckSeconds: 1,
  params,
  async process(range, { sql, target, params }) {
    if (params.sleepMs) await sql`SELECT pg_sleep(${params.sleepMs / 1000})`;
    return totals(sql, target, range);
  },
  async healthCheck({ sql, params }) {
    const [row] = await sql<{ healthy: boolean; reason: string | null }>`
      SELECT healthy, reason FROM pacing_control WHERE key = ${params.key ?? ""}`;
    if (!row) return { healthy: false, reason: `no pacing_control row ${params.key ?? ""}` };
    return row.healthy ? { healthy: true } : { healthy: false, reason: row.reason ?? "unhealthy" };
  },
  combine: totalsCombine,
});
