/**
 * Which key type a job's key is. Integers are the only kind today; new kinds
 * are added here and nowhere else.
 */
import type { JobConfig, Json } from "../../jobs/define";
import { integerKey } from "./integer";
import type { KeyType } from "./key-type";

export function keyTypeOf(_job: Pick<JobConfig<Json, unknown>, "key">): KeyType<bigint> {
  return integerKey;
}
