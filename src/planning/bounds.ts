/**
 * Checking a job's table and key against the catalog before planning.
 * Read-only: nothing here writes to the user's database.
 */
import type { Identifier, Sql } from "../db/sql";
import { DomainError } from "../lib/domain-error";
import { keyTypeForColumn, SUPPORTED_KEY_TYPES } from "./keys";
import type { KeyType } from "./keys/key-type";

/** What the catalog says about the key column. */
export interface KeyColumn {
  /** The column's type, as `format_type` names it. */
  type: string;
  /** The keys the column can hold, where the key type has a fixed domain (integers). */
  domain: { start: string; end: string } | null;
  /** The column may hold NULL: the plan then has a NULL range. */
  nullable: boolean;
  /** An index leads with the key (or the key is the row position, read by a TID Range Scan). */
  indexed: boolean;
}

/**
 * Fails unless `table` exists, `key` is one of its columns, of a type the
 * job's declared key type splits (a mismatch is a 422 naming both types),
 * and an index leads with `key` (a range query on an unindexed key scans the
 * whole table for every range; `allowUnindexed` is the explicit opt-in).
 */
export async function checkKey(sql: Sql, table: Identifier, key: Identifier, keyType: KeyType, allowUnindexed = false): Promise<KeyColumn> {
  // One round trip: the table, and its key column when both exist. System
  // columns (ctid) are in pg_attribute too, with a negative attnum.
  const [found] = await sql<{ oid: string | null; type: string | null; notnull: boolean | null; indexed: boolean | null }>`
    SELECT rel.oid::text AS oid, format_type(a.atttypid, NULL) AS type, a.attnotnull OR a.attnum < 0 AS notnull,
           EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indkey[0] = a.attnum) AS indexed
    FROM (SELECT to_regclass(${table.quoted}) AS oid) rel
    LEFT JOIN pg_attribute a ON a.attrelid = rel.oid AND a.attname = ${key.name} AND NOT a.attisdropped`;
  if (!found?.oid) throw new DomainError("table_not_found", `table ${table.name} does not exist`);
  if (found.type === null) throw new DomainError("key_not_found", `table ${table.name} has no column ${key.name}`);
  const type = found.type;
  if (!keyType.columnTypes.includes(type)) {
    const fits = keyTypeForColumn(type);
    throw fits
      ? new DomainError(
          "key_type_mismatch",
          `key ${key.name} is ${type}, which is the ${fits.name} key type, but the job declares keyType "${keyType.name}" (for ${keyType.columnTypes.join(", ")})`,
        )
      : new DomainError(
          "key_type_unsupported",
          `key ${key.name} is ${type}; rangemap splits only these key types: ${SUPPORTED_KEY_TYPES.join(", ")} ` +
            `(or use keyType "ctid" to split a table by row position)`,
        );
  }
  const indexed = found.indexed === true || keyType.indexless === true;
  if (!indexed && !allowUnindexed) {
    throw new DomainError(
      "key_not_indexed",
      `no index on ${table.name} starts with ${key.name}, so every range would scan the whole table; ` +
        `create one (CREATE INDEX ON ${table.quoted} (${key.quoted})) or set allowUnindexedKey: true on the job`,
    );
  }
  return { type, domain: keyType.domain(type), nullable: found.notnull !== true, indexed };
}
