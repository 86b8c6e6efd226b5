/**
 * The incremental test job (test/incremental.integration.test.ts): the
 * `orders-total` aggregate over `inc_orders`, a table of its own with an
 * identity key that the test creates, grows and updates. A small margin and
 * uniform ranges make its plans exact to check; each range sleeps a little,
 * so a run is still going when a second one is asked for.
 */
import { defineJob } from "../../src/jobs/define";
import { totals, totalsCombine } from "./faults";

/** The test job's schedule; nothing else fires on it. */
export const INC_CRON = "*/19 * * * *";
/** Keys below the watermark every run re-scans: not a multiple of a range, so ranges straddle both margins' edges. */
export const INC_MARGIN = 450;
export const INC_ROWS_PER_RANGE = 100;

/** The same over `inc_nullable`, whose key may be NULL: NULL keys are folded by full runs and reconciliations only. */
export const incNullable = defineJob({
  name: "test-inc-nullable",
  table: "inc_nullable",
  key: "id",
  rowsPerRange: INC_ROWS_PER_RANGE,
  split: "uniform",
  canary: false,
  incremental: { margin: INC_MARGIN },
  process: (range, { sql, target }) => totals(sql, target, range),
  combine: totalsCombine,
});

export const incOrders = defineJob({
  name: "test-inc-orders",
  table: "inc_orders",
  key: "id",
  rowsPerRange: INC_ROWS_PER_RANGE,
  split: "uniform",
  canary: false,
  concurrency: 2,
  schedule: INC_CRON,
  incremental: { margin: INC_MARGIN, reconcileEvery: 3 },
  async process(range, { sql, target }) {
    const [row] = await sql<{ rows: string; total: string }>`
      SELECT count(*) AS rows, coalesce(sum(amount), 0)::text AS total, pg_sleep(0.05)::text AS slept
      FROM ${target.table} WHERE ${range.where}`;
    return { rows: Number(row?.rows ?? 0), totalAmount: row?.total ?? "0" };
  },
  combine: totalsCombine,
});
