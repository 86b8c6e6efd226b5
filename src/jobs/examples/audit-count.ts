/**
 * Example job over a table with no key and no index: count the rows of
 * `audit_log(entry jsonb not null)`. It splits on the row position
 * (keyType "ctid"): each range is a run of pages read by a TID Range Scan.
 * What that promises while the table is being written is in docs/keys.md;
 * it only reads, as a ctid job must.
 */
import { count, fields } from "../combiners";
import { defineJob, type ResultOf } from "../define";

export const auditCount = defineJob({
  name: "audit-count",
  description: "Count the rows of a table with no key (split by row position)",
  table: "audit_log",
  key: "ctid",
  keyType: "ctid",
  rowsPerRange: 10_000,
  concurrency: 8,
  async process(range, { sql, target }) {
    const [row] = await sql<{ rows: string }>`SELECT count(*) AS rows FROM ${target.table} WHERE ${range.where}`;
    return { rows: Number(row?.rows ?? 0) };
  },
  combine: fields({ rows: count() }),
});

/** `{ rows }`: the result every run of `audit-count` folds to. */
export type AuditCount = ResultOf<typeof auditCount>;
