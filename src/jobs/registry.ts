/**
 * Finding a job by name. The lookup is built once from a job list, and a list
 * that names two jobs alike fails at load time, so a deploy (or a test run)
 * with a duplicate never starts.
 *
 * Which list: `@jobs` is src/jobs/index.ts for `tsc` and `wrangler deploy`
 * (tsconfig.json's `paths`), and dev/jobs/index.ts, the same jobs plus the
 * test and benchmark jobs, for `wrangler dev` started by the dev tooling
 * (`--tsconfig dev/jobs/tsconfig.json`) and for the test suite (an alias in
 * vitest.config.ts, to test/jobs/index.ts, which adds the test-only jobs).
 */
import { jobs } from "@jobs";
import type { AnyJob } from "./define";

export interface JobLookup {
  get(name: string): AnyJob | undefined;
  list(): readonly AnyJob[];
}

/**
 * A lookup over `list`, in its order. Throws if two jobs share a name.
 *
 * @example
 * const lookup = jobLookup([ordersTotal, ordersPull]);
 * lookup.get("orders-total"); // ordersTotal
 * lookup.get("nope"); // undefined
 * jobLookup([ordersTotal, ordersTotal]); // throws: job orders-total is listed twice
 */
export function jobLookup(list: readonly AnyJob[]): JobLookup {
  const byName = new Map<string, AnyJob>();
  for (const job of list) {
    if (byName.has(job.name)) throw new Error(`job ${job.name} is listed twice`);
    byName.set(job.name, job);
  }
  const all = [...byName.values()];
  return { get: (name) => byName.get(name), list: () => all };
}

const lookup = jobLookup(jobs);

/**
 * The job of this Worker named `name`, if any.
 *
 * @example
 * getJob("orders-total")?.rowsPerRange; // 10000
 */
export function getJob(name: string): AnyJob | undefined {
  return lookup.get(name);
}

/**
 * Every job of this Worker, in list order.
 *
 * @example
 * listJobs().map((job) => job.name); // ["orders-total"]
 */
export function listJobs(): readonly AnyJob[] {
  return lookup.list();
}
