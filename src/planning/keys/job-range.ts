/**
 * The range a job's `process` receives, made from a range in its text form:
 * keys typed by the job's key type (bigint for integers, text otherwise) and
 * the predicate `range.where` (with an incremental run's visibility filter,
 * predicate.ts). The consumer and the dry run both build it here, so a job
 * sees the same range however it is run.
 */
import type { Identifier } from "../../db/sql";
import type { Range } from "../../jobs/define";
import type { KeyType } from "./key-type";
import { chainPredicate, type ChainFilter, type StoredRange } from "./predicate";

export function jobRange(keys: KeyType, key: Identifier, id: number, range: StoredRange, attempt: number, filter: ChainFilter | null = null): Range<bigint | string> {
  const where = chainPredicate(keys, key, range, filter);
  if (range.nulls) return { id, nulls: true, start: null, end: null, endInclusive: true, where, attempt };
  return { id, nulls: false, start: keys.forJob(range.start), end: keys.forJob(range.end), endInclusive: !range.endExclusive, where, attempt };
}
