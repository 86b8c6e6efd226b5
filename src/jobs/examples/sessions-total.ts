/**
 * Example job on a uuid key: row count and exact total of
 * `sessions.seconds`, over `sessions(id uuid primary key, user_id bigint not
 * null, seconds integer)`. Random (v4) ids suit either split; the default is
 * balanced. Dev only (dev/jobs/index.ts); seeded by
 * dev/stack/examples/sessions-total.ts. Its name and result fields are a
 * contract.
 */
import { count, decimalSum, fields } from "../combiners";
import { defineJob, type ResultOf } from "../define";

export const sessionsTotal = defineJob({
  name: "sessions-total",
  description: "Count sessions and sum their seconds exactly (uuid key)",
  table: "sessions",
  key: "id",
  keyType: "uuid",
  rowsPerRange: 10_000,
  async process(range, { sql, target }) {
    const [row] = await sql<{ rows: string; total: string }>`
      SELECT count(*) AS rows, coalesce(sum(seconds), 0)::text AS total
      FROM ${target.table}
      WHERE ${range.where}`;
    return { rows: Number(row?.rows ?? 0), totalSeconds: row?.total ?? "0" };
  },
  // rows: every row, its seconds null or not; totalSeconds: exact sum of the non-null seconds.
  combine: fields({ rows: count(), totalSeconds: decimalSum("0") }),
});

/** `{ rows, totalSeconds }`. */
export type SessionsTotal = ResultOf<typeof sessionsTotal>;
