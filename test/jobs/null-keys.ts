/**
 * Jobs over `t_nullable_key`, an integer key that may be NULL
 * (test/null-keys.integration.test.ts): one that counts NULL-key rows in a
 * range of their own, and one that refuses them at plan time.
 */
import { defineJob } from "../../src/jobs/define";
import { totals, totalsCombine } from "./faults";

export const nullable = defineJob({
  name: "test-nullable",
  table: "t_nullable_key",
  key: "id",
  process: (range, { sql, target }) => totals(sql, target, range),
  combine: totalsCombine,
});

export const nullableRefused = defineJob({
  name: "test-nullable-refused",
  table: "t_nullable_key",
  key: "id",
  nullKeys: "refuse",
  process: (range, { sql, target }) => totals(sql, target, range),
  combine: totalsCombine,
});
