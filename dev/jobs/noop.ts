/**
 * A job that does no database work per range: it measures rangemap's own
 * overhead (leases, ledger, queue, reports) for the benchmark, and is a
 * starting point for jobs that call other services. Its result counts the
 * ranges and the keys seen; keys are a decimal string, exact however wide the
 * ranges (a uniform split of a bigint key space can exceed 2^53 keys).
 */
import { count, decimalSum, fields } from "../../src/jobs/combiners";
import { defineJob } from "../../src/jobs/define";

export const noop = defineJob({
  name: "noop",
  description: "Touches no rows: measures the fan-out itself",
  table: "orders",
  key: "id",
  rowsPerRange: 1,
  concurrency: 100,
  async process(range) {
    // orders.id is a primary key: there is no NULL range.
    return { ranges: 1, keys: range.nulls ? "0" : (range.end - range.start + 1n).toString() };
  },
  combine: fields({ ranges: count(), keys: decimalSum("0") }),
  rowsOf: () => 0,
});
