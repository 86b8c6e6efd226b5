/**
 * The jobs this Worker ships: add a job by defining it in `src/jobs/` and
 * listing it here. `wrangler deploy` bundles exactly this list.
 *
 * The test suite, the benchmark and the end-to-end stack run a longer list,
 * dev/jobs/index.ts (this one plus jobs for tests and benchmarks): the job
 * lookup imports the list as `@jobs`, which tsconfig.json maps here and the
 * dev configurations map there (see src/jobs/registry.ts). The example jobs
 * of src/jobs/examples/ (`npm run demo -- --job <name>`) are in that list, not
 * this one: copy one here to ship it.
 */
import { ordersTotal } from "./orders-total";

export const jobs = [ordersTotal] as const;
