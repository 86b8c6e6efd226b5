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

function archiveJob(name: string, writes: "exactly-once" | "at-least-once") {
  return defineJob({
    name,
    table: "orders",
    key: "id",
    writes,
    params: z.object({ sleepMs: z.number().min(0).optional() }).strict().optional().transform((p) => p ?? {}),
    async process(range, { sql, target, params }) {
      const [row] = await sql<{ rows: string }>`
        WITH copied AS (
          INSERT INTO orders_archive (id, amount, archived_at)
          SELECT ${target.key}, amount, now() FROM ${target.table}
          WHERE ${target.key} BETWEEN ${range.start} AND ${range.end}
          RETURNING 1
        )
        SELECT count(*) AS rows FROM copied`;
      if (params.sleepMs) await sql`SELECT pg_sleep(${params.sleepMs / 1000})`;
      return { rows: Number(row?.rows ?? 0) };
    },
    combine: fields({ rows: count() }),
  });
}

export const archive = archiveJob("test-archive", "exactly-once");
export const archiveAtLeastOnce = archiveJob("test-archive-alo", "at-least-once");
