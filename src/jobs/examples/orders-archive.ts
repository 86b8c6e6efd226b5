/**
 * The example job that writes: copies each order of its range into
 * `orders_archive(id bigint not null, amount numeric(12,2), archived_at
 * timestamptz not null)` and returns how many rows it inserted.
 *
 * `orders_archive` has no unique constraint on purpose: a range that ran
 * twice would leave every one of its orders there twice. That it never does,
 * whatever is retried, split, lost or restarted, comes from rangemap
 * (`writes: "exactly-once"`, docs/exactly-once.md), not from the table.
 */
import { count, fields } from "../combiners";
import type { Identifier, Sql } from "../../db/sql";
import { defineJob, type Range, type ResultOf } from "../define";

/** The archive's definition, for the demo and the tests that create it. */
export const ORDERS_ARCHIVE_DDL = `CREATE TABLE IF NOT EXISTS orders_archive (
  id bigint NOT NULL,
  amount numeric(12,2),
  archived_at timestamptz NOT NULL
)`;

/** Copies the orders of one range into `orders_archive`; the rows it inserted. */
export async function archiveRange(sql: Sql, orders: Identifier, range: Range): Promise<{ rows: number }> {
  const [row] = await sql<{ rows: string }>`
    WITH copied AS (
      INSERT INTO orders_archive (id, amount, archived_at)
      SELECT id, amount, now() FROM ${orders} WHERE ${range.where}
      RETURNING 1
    )
    SELECT count(*) AS rows FROM copied`;
  return { rows: Number(row?.rows ?? 0) };
}

export const ordersArchive = defineJob({
  name: "orders-archive",
  description: "Copy every order into orders_archive, exactly once",
  table: "orders",
  key: "id",
  rowsPerRange: 10_000,
  concurrency: 8,
  writes: "exactly-once",
  process: (range, { sql, target }) => archiveRange(sql, target.table, range),
  combine: fields({ rows: count() }),
});

/** `{ rows }`: the orders a run copied. */
export type OrdersArchive = ResultOf<typeof ordersArchive>;
