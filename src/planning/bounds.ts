/**
 * Checking a job's table and key against the catalog before planning.
 * Read-only: nothing here writes to the user's database.
 */
import type { Identifier, Sql } from "../db/sql";
import { DomainError } from "../lib/domain-error";
import type { KeyRange, KeyType } from "./keys/key-type";

/**
 * Fails unless `table` exists, `key` is one of its columns of a type
 * `keyType` can split, and an index leads with `key` (a range query on an
 * unindexed key scans the whole table for every range; `allowUnindexed` is
 * the explicit opt-in). Returns the values the column can hold.
 */
export async function checkKey<K>(
  sql: Sql,
  table: Identifier,
  key: Identifier,
  keyType: KeyType<K>,
  allowUnindexed = false,
): Promise<KeyRange<K>> {
  // One round trip: the table, and its key column when both exist.
  const [found] = await sql<{ oid: string | null; type: string | null; indexed: boolean | null }>`
    SELECT rel.oid::text AS oid, format_type(a.atttypid, NULL) AS type,
           EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indkey[0] = a.attnum) AS indexed
    FROM (SELECT to_regclass(${table.quoted}) AS oid) rel
    LEFT JOIN pg_attribute a ON a.attrelid = rel.oid AND a.attname = ${key.name} AND NOT a.attisdropped`;
  if (!found?.oid) throw new DomainError("table_not_found", `table ${table.name} does not exist`);
  if (found.type === null) throw new DomainError("key_not_found", `table ${table.name} has no column ${key.name}`);
  const col = { type: found.type, indexed: found.indexed === true };
  const domain = keyType.domain(col.type);
  if (!domain) {
    throw new DomainError("key_not_integer", `key ${key.name} is ${col.type}; it must be smallint, integer or bigint`);
  }
  if (!col.indexed && !allowUnindexed) {
    throw new DomainError(
      "key_not_indexed",
      `no index on ${table.name} starts with ${key.name}, so every range would scan the whole table; ` +
        `create one (CREATE INDEX ON ${table.quoted} (${key.quoted})) or set allowUnindexedKey: true on the job`,
    );
  }
  return domain;
}
