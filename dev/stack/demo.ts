/**
 * `npm run demo [-- --rows N --driver neon|hyperdrive --job NAME]`: a job
 * end to end on the local stack, with either database connector.
 *
 * Seeds `orders` with N rows (default 1,000,000; reused when it already holds
 * N) and whatever else the job needs, starts the stack, runs the job
 * (default `orders-total`) over the whole table with the CLI's live progress
 * line (cli/progress.ts, fed by the run's pushed status events), and prints
 * what the run produced beside one SQL statement's ground truth
 * (dev/stack/demo-jobs.ts). Exits 0 only when they are equal, and stops
 * everything it started.
 */
import { parseArgs } from "node:util";
import { followRun, RangemapClient } from "../../cli/client.js";
import { ProgressLine } from "../../cli/progress.js";
import { keysOf } from "../../cli/output.js";
import { DEMO_JOBS } from "./demo-jobs.js";
import { parseDriver, startStack, type Stack } from "./stack.js";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    driver: { type: "string" },
    job: { type: "string", default: "orders-total" },
    help: { type: "boolean", short: "h" },
  },
});
const jobNames = Object.keys(DEMO_JOBS).join("|");
if (values.help) {
  console.log(`usage: npm run demo [-- --rows N --driver neon|hyperdrive --job ${jobNames}]   (default: 1000000 rows, neon, orders-total; --rows sizes the orders jobs, the other examples have data sets of their own)`);
  process.exit(0);
}
const demo = DEMO_JOBS[values.job];
if (!demo) {
  console.error(`--job must be one of ${jobNames}, got ${values.job}`);
  process.exit(2);
}
const rows = Number(values.rows);
if (!Number.isSafeInteger(rows) || rows < 0) {
  console.error(`--rows must be a non-negative integer, got ${values.rows}`);
  process.exit(2);
}

let stack: Stack | undefined;
let stopping = false;
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await stack?.stop().catch((err: unknown) => console.error(`stopping the stack: ${String(err)}`));
  }
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(130));
process.on("SIGTERM", () => void shutdown(143));

try {
  stack = await startStack({ quiet: true, devJobs: true, driver: values.driver === undefined ? undefined : parseDriver(values.driver) });
  console.log(`driver: ${stack.driver}`);
  const seedStarted = Date.now();
  const seeded = await demo.seed(stack.databaseUrl, rows);
  const seconds = ((Date.now() - seedStarted) / 1000).toFixed(1);
  console.log(
    seeded.created
      ? `seeded ${seeded.rows.toLocaleString("en-US")} rows in ${seconds}s`
      : `the table already holds ${seeded.rows.toLocaleString("en-US")} rows; reusing it`,
  );

  const client = new RangemapClient(stack.baseUrl, stack.apiToken);
  const t0 = Date.now();
  const started = await client.startRun(values.job);
  console.log(`run ${started.runId}: ${started.ranges.total} ranges over keys ${keysOf(started)}`);
  const progress = new ProgressLine(process.stdout);
  const run = await followRun(client, started.runId, (r) => progress.update(r));
  progress.done(run);
  const wall = (Date.now() - t0) / 1000;

  const truth = await demo.truth(stack.databaseUrl);
  const measured = await demo.measured(stack.databaseUrl, run.result);
  const names = Object.keys(truth);
  const width = (name: string) => Math.max(name.length, String(truth[name]).length, String(measured[name]).length);
  console.log("");
  console.log(`${"".padEnd(10)}${names.map((n) => n.padStart(width(n) + 3)).join("")}`);
  console.log(`${"rangemap".padEnd(10)}${names.map((n) => String(measured[n]).padStart(width(n) + 3)).join("")}`);
  console.log(`${"SQL".padEnd(10)}${names.map((n) => String(truth[n]).padStart(width(n) + 3)).join("")}`);
  const equal = run.status === "succeeded" && names.every((n) => measured[n] === truth[n]);
  console.log("");
  console.log(equal ? `OK: equal figures, ${wall.toFixed(2)}s wall time` : `MISMATCH (run ${run.status})`);
  if (!equal && run.errors.length) console.log(JSON.stringify(run.errors.slice(0, 5), null, 2));
  await shutdown(equal ? 0 : 1);
} catch (err) {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  await shutdown(1);
}
