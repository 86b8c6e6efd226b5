/**
 * The example job: row count and exact total of `orders.amount`.
 *
 * The aggregate is pushed into SQL, so each range moves one row over the wire
 * instead of every order. Its result fields are a stable contract used by the
 * demo, the benchmark and the acceptance checks.
 */
import { decimalSum, count, fields } from "./combiners";
import { defineJob, type ResultOf } from "./define";

export const ordersTotal = defineJob({
  name: "orders-total",
  description: "Count orders and sum their amounts exactly",
  table: "orders",
  key: "id",
  rowsPerRange: 10_000,
  concurrency: 8,
  // Nightly at 03:00 UTC; listed in wrangler.toml's [triggers] crons.
  schedule: "0 3 * * *",
  // Nightly runs fold only the new orders onto the last result, re-scanning
  // the newest 10,000 ids for late commits (docs/incremental.md); every 7th
  // scheduled run is a full run that checks the cumulative result.
  incremental: { margin: 10_000, reconcileEvery: 7 },
  async process(range, { sql, target }) {
    const [row] = await sql<{ rows: string; total: string }>`
      SELECT count(*) AS rows, coalesce(sum(amount), 0)::text AS total
      FROM ${target.table}
      WHERE ${range.where}`;
    return { rows: Number(row?.rows ?? 0), totalAmount: row?.total ?? "0" };
  },
  // rows: rows in the range, including rows whose amount is null;
  // totalAmount: exact sum of the non-null amounts, as a decimal string.
  combine: fields({ rows: count(), totalAmount: decimalSum("0.00") }),
});

/** `{ rows, totalAmount }`: the result every run of `orders-total` folds to. */
export type OrdersTotal = ResultOf<typeof ordersTotal>;
