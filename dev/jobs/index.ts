/**
 * The job list of the dev configuration: the shipped jobs (src/jobs/index.ts)
 * plus the jobs the benchmark and the end-to-end tests need. They never ship:
 * `wrangler deploy` bundles src/jobs/index.ts alone, and `npm run check` fails
 * if one of these names turns up in its bundle (dev/check-bundle.ts).
 *
 * Selected as `@jobs` by `wrangler dev --tsconfig dev/jobs/tsconfig.json`
 * (dev/lib/stack.ts, `devJobs: true`: the benchmark and the end-to-end stack)
 * and, with the test-only jobs added, by the test suite (test/jobs/index.ts).
 */
import { auditCount } from "../../src/jobs/examples/audit-count";
import { customersTotal } from "../../src/jobs/examples/customers-total";
import { jobs as shipped } from "../../src/jobs/index";
import { eventsTotal } from "../../src/jobs/examples/events-total";
import { sessionsTotal } from "../../src/jobs/examples/sessions-total";
import { noop } from "./noop";
import { ordersArchive } from "../../src/jobs/examples/orders-archive";
import { ordersArchiveAtLeastOnce } from "./orders-archive-at-least-once";
import { ordersPull } from "./orders-pull";
import { stagedPaymentsTotal } from "./staged-payments-total";

/** The jobs that exist only in this configuration. */
export const devOnlyJobs = [
  noop, ordersPull, stagedPaymentsTotal,
  // The examples of src/jobs/examples/, run by `npm run demo -- --job <name>`.
  sessionsTotal, eventsTotal, customersTotal, auditCount, ordersArchive, ordersArchiveAtLeastOnce,
] as const;

export const jobs = [...shipped, ...devOnlyJobs] as const;
