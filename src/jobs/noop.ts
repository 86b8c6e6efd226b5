/**
 * A job that does no database work per range: it measures rangemap's own
 * overhead (leases, ledger, queue, reports) and is a starting point for jobs
 * that call other services. Its result counts the ranges and the keys seen.
 */
import { count, fields } from "./combiners";
import { defineJob } from "./define";

type Noop = { ranges: number; keys: number };

export default defineJob<Noop>({
  name: "noop",
  description: "Touches no rows: measures the fan-out itself",
  table: "orders",
  key: "id",
  rowsPerRange: 1,
  concurrency: 100,
  async process(range) {
    return { ranges: 1, keys: Number(range.end - range.start + 1n) };
  },
  combine: fields<Noop>({ ranges: count(), keys: count() }),
  rowsOf: () => 0,
});
