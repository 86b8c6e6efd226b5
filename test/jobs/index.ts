/**
 * The job list of the test suite: the dev list (dev/jobs/index.ts: shipped
 * jobs, benchmark and end-to-end jobs) plus jobs that exist only in tests.
 * vitest.config.ts aliases `@jobs` to this file, so the Worker under test
 * (Coordinator, consumer, API, cron handler) finds these jobs the way a
 * deployed Worker finds its own: from one list, no registration at run time.
 *
 * Besides the fault jobs of ./faults.ts, the writing jobs of ./writes.ts and
 * the archive jobs of ./archive.ts (exactly-once against at-least-once):
 * the pacing jobs of ./pacing.ts:
 * - `sum-t-*`: the `orders-total` aggregate over the key-space fixtures of
 *   test/setup/fixtures.ts (`sleepMs` slows each range);
 * - `test-cron-skip`, `test-cron-allow`: slow jobs on schedules of their own
 *   (test/cron.test.ts);
 * - `test-history`: a job of its own for test/history.test.ts, so runs other
 *   test files start never show up in its listings;
 * - `test-defaults`: a job with its own split and canary defaults
 *   (test/job-defaults.integration.test.ts);
 * - `test-inc-orders`, `test-inc-nullable`: incremental jobs over tables of their own (./incremental.ts).
 */
import { z } from "zod";
import { defineJob } from "../../src/jobs/define";
import { jobs as devJobs } from "../../dev/jobs/index";
import { broken, flaky, leavesState, poison, slow, totals, totalsCombine } from "./faults";
import { nullable, nullableRefused } from "./null-keys";
import { textCtidJobs } from "./text-ctid";
import { commit, write } from "./writes";
import { archive, archiveAtLeastOnce } from "./archive";
import { keyTimeJobs } from "./keys-time";
import { incNullable, incOrders } from "./incremental";
import { health, paced } from "./pacing";

/** `sum-<table>`: count and exact total of `amount` over a fixture table; `sleepMs` slows each range. */
function sumJob(table: string, allowUnindexedKey = false) {
  return defineJob({
    name: `sum-${table.replace(/_/g, "-")}${allowUnindexedKey ? "-allowed" : ""}`,
    table,
    key: "id",
    allowUnindexedKey,
    params: z.object({ sleepMs: z.number().min(0).optional() }).strict().optional().transform((p) => p ?? {}),
    async process(range, { sql, target, params }) {
      if (params.sleepMs) await sql`SELECT pg_sleep(${params.sleepMs / 1000})`;
      return totals(sql, target, range);
    },
    combine: totalsCombine,
  });
}

const fixtures = ["t_dense", "t_gaps", "t_skewed", "t_small", "t_empty", "t_single", "t_nostats", "t_grow", "t_text_key", "t_numeric_key", "t_unindexed", "t_int4"]
  .map((t) => sumJob(t))
  .concat(sumJob("t_unindexed", true));

/** Like orders-total, but each range sleeps, so a run stays `running` for a couple of seconds. */
function slowScheduledJob(name: string, schedule: string, overlap: "skip" | "allow") {
  return defineJob({
    name,
    table: "orders",
    key: "id",
    rowsPerRange: 10_000,
    concurrency: 1,
    schedule,
    overlap,
    async process(range, { sql, target }) {
      const [row] = await sql<{ rows: string; total: string }>`
        SELECT count(*) AS rows, coalesce(sum(amount), 0)::text AS total, pg_sleep(0.3)::text AS slept
        FROM ${target.table} WHERE ${range.where}`;
      return { rows: Number(row?.rows ?? 0), totalAmount: row?.total ?? "0" };
    },
    combine: totalsCombine,
  });
}

/** Schedules of the cron test jobs; nothing else fires on them. */
export const SKIP_CRON = "*/13 * * * *";
export const ALLOW_CRON = "*/17 * * * *";

const history = defineJob({
  name: "test-history",
  table: "orders",
  key: "id",
  process: (range, { sql, target }) => totals(sql, target, range),
  combine: totalsCombine,
});

/** Split and canary defaults unlike the global ones (balanced, a ~1% canary). */
const withDefaults = defineJob({
  name: "test-defaults",
  table: "t_dense",
  key: "id",
  rowsPerRange: 1_000,
  split: "uniform",
  canary: 3,
  process: (range, { sql, target }) => totals(sql, target, range),
  combine: totalsCombine,
});

export const jobs = [
  ...devJobs,
  flaky,
  broken,
  poison,
  slow,
  leavesState,
  write,
  commit,
  nullable,
  nullableRefused,
  archive,
  archiveAtLeastOnce,
  paced,
  health,
  ...fixtures,
  slowScheduledJob("test-cron-skip", SKIP_CRON, "skip"),
  slowScheduledJob("test-cron-allow", ALLOW_CRON, "allow"),
  history,
  withDefaults,
  ...textCtidJobs,
  ...keyTimeJobs,
  incOrders,
  incNullable,
] as const;
