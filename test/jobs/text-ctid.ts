/**
 * Test jobs for the text and ctid key types (test/keys-text.integration.test.ts,
 * test/keys-ctid.integration.test.ts). Their tables are made by those tests:
 *
 * - `test-text-sum`: count and exact total of `amount` over `t_text_icu`,
 *   keyed by text in an ICU collation; `msPerRow` sleeps that long per row of
 *   the range, so a wide range times out and is split;
 * - `test-text-varchar`: the same over `t_varchar_key` (a varchar key);
 * - `test-text-unindexed`: the same over `t_text_noidx`, a text key with no
 *   index and repeated values;
 * - `test-ctid-counts`: how many times each `id` of `t_ctid_upd` was seen,
 *   split by row position while a test updates rows; `sleepMs` per range;
 * - `test-ctid-sum`: count and total of `amount` over `t_ctid_dead`, by row
 *   position, after a large DELETE left dead rows.
 */
import { z } from "zod";
import type { Fragment, Identifier, Sql } from "../../src/db/sql";
import { defineJob } from "../../src/jobs/define";
import { totalsCombine } from "./faults";

async function totalsWhere(sql: Sql, table: Identifier, where: Fragment) {
  const [row] = await sql<{ rows: string; total: string }>`
    SELECT count(*) AS rows, coalesce(sum(amount), 0)::text AS total FROM ${table} WHERE ${where}`;
  return { rows: Number(row?.rows ?? 0), totalAmount: row?.total ?? "0" };
}

const slowRows = z.object({ msPerRow: z.number().min(0).optional() }).strict().optional().transform((p) => p ?? {});

export const textSum = defineJob({
  name: "test-text-sum",
  table: "t_text_icu",
  key: "k",
  keyType: "text",
  params: slowRows,
  async process(range, { sql, target, params }) {
    if (params.msPerRow) {
      await sql`SELECT pg_sleep(count(*) * ${params.msPerRow / 1000}::float8) FROM ${target.table} WHERE ${range.where}`;
    }
    return totalsWhere(sql, target.table, range.where);
  },
  combine: totalsCombine,
});

export const unindexedSum = defineJob({
  name: "test-text-unindexed",
  table: "t_text_noidx",
  key: "k",
  keyType: "text",
  allowUnindexedKey: true,
  process: (range, { sql, target }) => totalsWhere(sql, target.table, range.where),
  combine: totalsCombine,
});

export const varcharSum = defineJob({
  name: "test-text-varchar",
  table: "t_varchar_key",
  key: "k",
  keyType: "text",
  process: (range, { sql, target }) => totalsWhere(sql, target.table, range.where),
  combine: totalsCombine,
});

/** Per-id counts merged by adding: a row seen twice shows 2, a row never seen is absent. */
type Seen = { rows: number; seen: Record<string, number> };

export const ctidCounts = defineJob({
  name: "test-ctid-counts",
  table: "t_ctid_upd",
  key: "ctid",
  keyType: "ctid",
  params: z.object({ sleepMs: z.number().min(0).optional() }).strict().optional().transform((p) => p ?? {}),
  async process(range, { sql, target, params }): Promise<Seen> {
    if (params.sleepMs) await sql`SELECT pg_sleep(${params.sleepMs / 1000}::float8)`;
    const rows = await sql<{ id: string; n: string }>`
      SELECT id::text AS id, count(*)::text AS n FROM ${target.table} WHERE ${range.where} GROUP BY id`;
    const seen: Record<string, number> = {};
    let total = 0;
    for (const r of rows) {
      seen[r.id] = Number(r.n);
      total += Number(r.n);
    }
    return { rows: total, seen };
  },
  combine: {
    initial: (): Seen => ({ rows: 0, seen: {} }),
    merge: (a: Seen, b: Seen): Seen => {
      const seen = { ...a.seen };
      for (const [id, n] of Object.entries(b.seen)) seen[id] = (seen[id] ?? 0) + n;
      return { rows: a.rows + b.rows, seen };
    },
  },
});

export const ctidSum = defineJob({
  name: "test-ctid-sum",
  table: "t_ctid_dead",
  key: "ctid",
  keyType: "ctid",
  process: (range, { sql, target }) => totalsWhere(sql, target.table, range.where),
  combine: totalsCombine,
});

export const textCtidJobs = [textSum, unindexedSum, varcharSum, ctidCounts, ctidSum] as const;
