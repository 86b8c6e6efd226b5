/**
 * `orders-total` computed the naive way: every amount is pulled to the
 * Worker and summed there. The same result as `orders-total`; it exists to
 * show (and benchmark) what pushing the aggregate into SQL saves, and as a
 * template for jobs whose work cannot be expressed in SQL.
 */
import { count, decimalSum, fields } from "../../src/jobs/combiners";
import { defineJob } from "../../src/jobs/define";
import { DecimalSum } from "../../src/lib/decimal";

export const ordersPull = defineJob({
  name: "orders-pull",
  description: "orders-total, pulling every row to the Worker (for comparison)",
  table: "orders",
  key: "id",
  rowsPerRange: 10_000,
  concurrency: 6,
  async process(range, { sql, target }) {
    const rows = await sql<{ amount: string | null }>`
      SELECT amount FROM ${target.table} WHERE ${range.where}`;
    const total = new DecimalSum(2);
    for (const row of rows) if (row.amount !== null) total.add(row.amount);
    return { rows: rows.length, totalAmount: total.toString() };
  },
  combine: fields({ rows: count(), totalAmount: decimalSum("0.00") }),
});
