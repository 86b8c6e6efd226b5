/**
 * Test jobs that copy orders into `orders_archive` (no unique constraint),
 * as the shipped `orders-archive` does, for test/effects.integration.test.ts:
 *
 * - `test-archive`:     `writes: "exactly-once"`;
 * - `test-archive-alo`: the same copy with `writes: "at-least-once"`, to show
 *   the faults of that test do duplicate rows without the records.
 *
 * `sleepMs` holds each range in Postgres after its copy, before its commit
 * (a lane the test plays passes its own, longer, to hold its attempt open).
 */
import { z } from "zod";
import { count, fields } from "../../src/jobs/combiners";
import { defineJob } from "../../src/jobs/define";
import { archiveRange } from "../../src/jobs/examples/orders-archive";

function archiveJob(name: string, writes: "exactly-once" | "at-least-once") {
  return defineJob({
    name,
    table: "orders",
    key: "id",
    writes,
    params: z.object({ sleepMs: z.number().min(0).optional() }).strict().optional().transform((p) => p ?? {}),
    async process(range, { sql, target, params }) {
      const copied = await archiveRange(sql, target.table, range);
      if (params.sleepMs) await sql`SELECT pg_sleep(${params.sleepMs / 1000})`;
      return copied;
    },
    combine: fields({ rows: count() }),
  });
}

export const archive = archiveJob("test-archive", "exactly-once");
export const archiveAtLeastOnce = archiveJob("test-archive-alo", "at-least-once");
