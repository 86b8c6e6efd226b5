/**
 * Which key type a job's key is: the one table from a declared `keyType` to
 * its implementation. New kinds are added here and nowhere else.
 */
import { ctidKey } from "./ctid";
import { integerKey } from "./integer";
import type { KeyType, KeyTypeName } from "./key-type";
import { textKey } from "./text";
import { dateKey, timestampKey, timestamptzKey } from "./time";
import { uuidKey } from "./uuid";

const KEY_TYPES: Record<KeyTypeName, KeyType> = {
  integer: integerKey,
  uuid: uuidKey,
  timestamptz: timestamptzKey,
  timestamp: timestampKey,
  date: dateKey,
  text: textKey,
  ctid: ctidKey,
};

/** The key types this build implements, as the job API and errors name them. */
export const SUPPORTED_KEY_TYPES = Object.keys(KEY_TYPES) as KeyTypeName[];

/** The key type of a job (integer unless it declares another; defineJob checks the name). */
export function keyTypeOf(job: { keyType?: KeyTypeName }): KeyType {
  return KEY_TYPES[job.keyType ?? "integer"];
}

/** The key type that splits a column of catalog type `pgType`, if any: named in the error for a mismatch. */
export function keyTypeForColumn(pgType: string): KeyType | null {
  return Object.values(KEY_TYPES).find((t) => t.columnTypes.includes(pgType)) ?? null;
}
