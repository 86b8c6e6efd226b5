/**
 * Example job on a timestamptz key: row count and exact total of
 * `events.amount`, over `events(at timestamptz, kind text not null, amount
 * numeric(12,2))` with an index on `at`. `at` may be NULL: those rows are
 * the run's NULL range, so `rows` counts them too. Split it by rows
 * (balanced, the default) or in time windows (`split: "uniform", width:
 * "PT1H"`). Dev only (dev/jobs/index.ts); seeded by
 * dev/stack/examples/events-total.ts. Its name and result fields are a
 * contract, the same as orders-total's.
 */
import { count, decimalSum, fields } from "../combiners";
import { defineJob, type ResultOf } from "../define";

export const eventsTotal = defineJob({
  name: "events-total",
  description: "Count events and sum their amounts exactly (timestamptz key, NULLs included)",
  table: "events",
  key: "at",
  keyType: "timestamptz",
  rowsPerRange: 10_000,
  async process(range, { sql, target }) {
    const [row] = await sql<{ rows: string; total: string }>`
      SELECT count(*) AS rows, coalesce(sum(amount), 0)::text AS total
      FROM ${target.table}
      WHERE ${range.where}`;
    return { rows: Number(row?.rows ?? 0), totalAmount: row?.total ?? "0" };
  },
  combine: fields({ rows: count(), totalAmount: decimalSum("0.00") }),
});

/** `{ rows, totalAmount }`. */
export type EventsTotal = ResultOf<typeof eventsTotal>;
