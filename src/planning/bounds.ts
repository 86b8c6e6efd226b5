/**
 * Key checks and bounds: the SQL planning needs from the user's database.
 * Read-only: nothing here writes to the user's database.
 */
import type { Identifier, Sql } from "../db/sql";

/** The integer key types, and the keys each can hold. */
const KEY_LIMITS: Record<string, readonly [bigint, bigint]> = {
  smallint: [-(2n ** 15n), 2n ** 15n - 1n],
  integer: [-(2n ** 31n), 2n ** 31n - 1n],
  bigint: [-(2n ** 63n), 2n ** 63n - 1n],
};

export class PlanningError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** 422: the job and the database do not fit; 400: the request does not. */
    readonly status: 400 | 422 = 422,
  ) {
    super(message);
  }
}

/**
 * Fails unless `table` exists, `key` is one of its integer columns, and an
 * index leads with `key` (a range query on an unindexed key scans the whole
 * table for every range; `allowUnindexed` is the explicit opt-in).
 */
export async function checkKey(sql: Sql, table: Identifier, key: Identifier, allowUnindexed = false): Promise<readonly [bigint, bigint]> {
  const [rel] = await sql<{ oid: string | null }>`SELECT to_regclass(${table.quoted})::oid::text AS oid`;
  if (!rel?.oid) throw new PlanningError("table_not_found", `table ${table.name} does not exist`);
  const [col] = await sql<{ type: string; indexed: boolean }>`
    SELECT format_type(atttypid, NULL) AS type,
           EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indkey[0] = a.attnum) AS indexed
    FROM pg_attribute a
    WHERE attrelid = ${rel.oid}::oid AND attname = ${key.name} AND NOT attisdropped`;
  if (!col) throw new PlanningError("key_not_found", `table ${table.name} has no column ${key.name}`);
  const limits = KEY_LIMITS[col.type];
  if (!limits) {
    throw new PlanningError("key_not_integer", `key ${key.name} is ${col.type}; it must be smallint, integer or bigint`);
  }
  if (!col.indexed && !allowUnindexed) {
    throw new PlanningError(
      "key_not_indexed",
      `no index on ${table.name} starts with ${key.name}, so every range would scan the whole table; ` +
        `create one (CREATE INDEX ON ${table.quoted} (${key.quoted})) or set allowUnindexedKey: true on the job`,
    );
  }
  return limits;
}

/** `min`/`max` of the key; null for an empty table. */
export async function keyBounds(
  sql: Sql,
  table: Identifier,
  key: Identifier,
): Promise<{ start: bigint; end: bigint } | null> {
  const [row] = await sql<{ lo: string | null; hi: string | null }>`
    SELECT min(${key})::text AS lo, max(${key})::text AS hi FROM ${table}`;
  if (!row?.lo || !row.hi) return null;
  return { start: BigInt(row.lo), end: BigInt(row.hi) };
}
