/**
 * Test jobs that write to the database, for the dry run's promise that a
 * sample never persists anything (test/dry-run.integration.test.ts). Both
 * insert into `dry_run_scratch (run_id text, range_start bigint)`, which the
 * test creates, and return the `orders-total` aggregate of their range:
 *
 * - `test-write`:  inserts one row per range, as a write job does;
 * - `test-commit`: inserts, then tries to commit it with its own `COMMIT`
 *   (or `params.statement`), which rangemap must refuse.
 */
import { z } from "zod";
import { defineJob } from "../../src/jobs/define";
import { totals, totalsCombine } from "./faults";

export const write = defineJob({
  name: "test-write",
  table: "orders",
  key: "id",
  async process(range, { sql, target, runId }) {
    await sql`INSERT INTO dry_run_scratch (run_id, range_start) VALUES (${runId}, ${range.start})`;
    return totals(sql, target, range);
  },
  combine: totalsCombine,
});

export const commit = defineJob({
  name: "test-commit",
  table: "orders",
  key: "id",
  params: z.object({ statement: z.string().optional() }).strict().optional().transform((p) => p ?? {}),
  async process(range, { sql, target, runId, params }) {
    await sql`INSERT INTO dry_run_scratch (run_id, range_start) VALUES (${runId}, ${range.start})`;
    await sql.query(params.statement ?? "COMMIT");
    return totals(sql, target, range);
  },
  combine: totalsCombine,
});
