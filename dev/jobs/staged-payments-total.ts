/**
 * Example job: validate and total a staging table whose amounts arrive as text
 * (a CSV or partner import), before the rows are trusted.
 *
 * An amount must be plain decimal text that fits `numeric(14,2)` exactly: an
 * optional minus sign, 1 to 12 digits, and at most two decimals. Anything else
 * ("n/a"; "1.005", which a cast would round; "1e3", which a cast would accept)
 * makes Postgres raise 22P02 (invalid_text_representation) naming the value, a
 * permanent error: its range fails at once, the run ends `failed` with the
 * exact total of every other range and lists the failed range's keys and
 * message. Fix the row, then `POST /api/runs/:id/retry` re-runs only that
 * range. The CLI and dashboard end-to-end tests use this job for their
 * failed-range checks, with a real bad row.
 *
 * Table: `staged_payments(id bigint primary key, amount text)`; null amounts
 * count as rows and add nothing. `dev/lib/seed-payments.ts` makes one.
 */
import { count, decimalSum, fields } from "../../src/jobs/combiners";
import { defineJob } from "../../src/jobs/define";

export const stagedPaymentsTotal = defineJob({
  name: "staged-payments-total",
  description: "Validate and total staged payments whose amounts are text; an amount that is not a plain decimal with at most two places fails its range",
  table: "staged_payments",
  key: "id",
  rowsPerRange: 1_000,
  concurrency: 4,
  async process(range, { sql, target }) {
    // Each bad amount raises 22P02: text that is no number at all fails its own
    // cast (Postgres's message names it); a number in a form the import must not
    // use (rounded by numeric(14,2), exponent, sign, spaces) reaches the last
    // branch, which casts a text that is never a number, naming the value too.
    const [row] = await sql<{ rows: string; total: string }>`
      SELECT count(*) AS rows,
             coalesce(sum(CASE WHEN amount IS NULL THEN NULL
                               WHEN amount ~ '^-?[0-9]{1,12}([.][0-9]{1,2})?$' THEN amount::numeric(14,2)
                               WHEN amount::numeric IS NULL THEN NULL
                               ELSE ('not a plain decimal with at most two places: ' || amount)::numeric END), 0)::text AS total
      FROM ${target.table}
      WHERE ${range.where}`;
    return { rows: Number(row?.rows ?? 0), totalAmount: row?.total ?? "0" };
  },
  combine: fields({ rows: count(), totalAmount: decimalSum("0.00") }),
});
