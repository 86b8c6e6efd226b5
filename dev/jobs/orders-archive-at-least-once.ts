/**
 * `orders-archive` with `writes: "at-least-once"`: the same copy in the same
 * per-range transaction, without the exactly-once record, lock and lookup.
 * The effects benchmark (dev/bench/effects.ts) runs both over the same ranges,
 * so the difference is what exactly-once costs.
 */
import { defineJob } from "../../src/jobs/define";
import { ordersArchive } from "../../src/jobs/examples/orders-archive";

export const ordersArchiveAtLeastOnce = defineJob({
  ...ordersArchive,
  name: "orders-archive-at-least-once",
  description: "orders-archive without the exactly-once records (benchmark only)",
  writes: "at-least-once",
  // A defined job carries its resolved settings; this one is not incremental.
  incremental: undefined,
});
