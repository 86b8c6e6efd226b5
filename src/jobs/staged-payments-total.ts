/**
 * Example job: validate and total a staging table whose amounts arrive as text
 * (a CSV or partner import), before the rows are trusted.
 *
 * Each range casts `amount` to numeric in SQL. A row whose amount is not a
 * number makes Postgres raise 22P02 (invalid_text_representation), a permanent
 * error: its range fails at once, the run ends `failed` with the exact total of
 * every other range and lists the failed range's keys and message. Fix the row,
 * then `POST /api/runs/:id/retry` re-runs only that range. The dashboard's
 * browser test uses this job for its failed-range check, with a real bad row.
 *
 * Table: `staged_payments(id bigint primary key, amount text)`; null amounts
 * count as rows and add nothing. `dev/lib/seed-payments.ts` makes one.
 */
import { count, decimalSum, fields } from "./combiners";
import { defineJob } from "./define";

export type StagedPaymentsTotal = { rows: number; totalAmount: string };

export default defineJob<StagedPaymentsTotal>({
  name: "staged-payments-total",
  description: "Validate and total staged payments whose amounts are text; a non-numeric amount fails its range",
  table: "staged_payments",
  key: "id",
  rowsPerRange: 1_000,
  concurrency: 4,
  async process(range, { sql, target }) {
    const [row] = await sql<{ rows: string; total: string }>`
      SELECT count(*) AS rows, coalesce(sum(amount::numeric(14,2)), 0)::text AS total
      FROM ${target.table}
      WHERE ${target.key} BETWEEN ${range.start} AND ${range.end}`;
    return { rows: Number(row?.rows ?? 0), totalAmount: row?.total ?? "0" };
  },
  combine: fields<StagedPaymentsTotal>({ rows: count(), totalAmount: decimalSum("0.00") }),
});
