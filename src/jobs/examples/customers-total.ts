/**
 * Example job over a text key: count customers and sum their credit exactly.
 * `customers(email text primary key, credit numeric(12,2))`. Ranges are cut by
 * Postgres in the column's collation order (keyType "text" is balanced only),
 * and `range.where` compares with that same collation, so the ranges cover
 * every email once whatever its case, accents or trailing spaces.
 */
import { count, decimalSum, fields } from "../combiners";
import { defineJob, type ResultOf } from "../define";

export const customersTotal = defineJob({
  name: "customers-total",
  description: "Count customers and sum their credit exactly (a text key)",
  table: "customers",
  key: "email",
  keyType: "text",
  rowsPerRange: 10_000,
  concurrency: 8,
  async process(range, { sql, target }) {
    const [row] = await sql<{ rows: string; total: string }>`
      SELECT count(*) AS rows, coalesce(sum(credit), 0)::text AS total
      FROM ${target.table}
      WHERE ${range.where}`;
    return { rows: Number(row?.rows ?? 0), totalCredit: row?.total ?? "0" };
  },
  // rows: every customer; totalCredit: exact sum of the non-null credits, as a decimal string.
  combine: fields({ rows: count(), totalCredit: decimalSum("0.00") }),
});

/** `{ rows, totalCredit }`: the result every run of `customers-total` folds to. */
export type CustomersTotal = ResultOf<typeof customersTotal>;
