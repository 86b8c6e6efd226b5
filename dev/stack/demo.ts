/**
 * `npm run demo [-- --rows N --driver neon|hyperdrive]`: the main job end
 * to end on the local stack, with either database connector.
 *
 * Seeds `orders` with N rows (default 1,000,000; reused when it already holds
 * N), starts the stack, runs `orders-total` over the whole table with the
 * CLI's live progress line (cli/progress.ts, fed by the run's pushed
 * status events), and prints rangemap's result beside one SQL aggregate. Exits
 * 0 only when they are equal, and stops everything it started.
 */
import { parseArgs } from "node:util";
import { followRun, RangemapClient } from "../../cli/client.js";
import { ProgressLine } from "../../cli/progress.js";
import { ordersTruth, seedOrders } from "./seed.js";
import { parseDriver, startStack, type Stack } from "./stack.js";

const { values } = parseArgs({
  options: { rows: { type: "string", default: "1000000" }, driver: { type: "string" }, help: { type: "boolean", short: "h" } },
});
if (values.help) {
  console.log("usage: npm run demo [-- --rows N --driver neon|hyperdrive]   (default: 1000000 rows, neon)");
  process.exit(0);
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
  stack = await startStack({ quiet: true, driver: values.driver === undefined ? undefined : parseDriver(values.driver) });
  console.log(`driver: ${stack.driver}`);
  const seedStarted = Date.now();
  const seeded = await seedOrders(stack.databaseUrl, rows);
  console.log(
    seeded.created
      ? `seeded orders with ${rows.toLocaleString("en-US")} rows in ${((Date.now() - seedStarted) / 1000).toFixed(1)}s`
      : `orders already holds ${rows.toLocaleString("en-US")} rows; reusing it`,
  );

  const client = new RangemapClient(stack.baseUrl, stack.apiToken);
  const t0 = Date.now();
  const started = await client.startRun("orders-total");
  console.log(`run ${started.runId}: ${started.ranges.total} ranges over ids [${started.bounds.start}, ${started.bounds.end}]`);
  const progress = new ProgressLine(process.stdout);
  const run = await followRun(client, started.runId, (r) => progress.update(r));
  progress.done(run);
  const wall = (Date.now() - t0) / 1000;

  const truth = await ordersTruth(stack.databaseUrl);
  const result = run.result as { rows?: number; totalAmount?: string };
  console.log("");
  console.log(`                 rows          totalAmount`);
  console.log(`rangemap   ${String(result.rows).padStart(10)}   ${String(result.totalAmount).padStart(18)}`);
  console.log(`SQL        ${String(truth.rows).padStart(10)}   ${truth.totalAmount.padStart(18)}`);
  const equal = run.status === "succeeded" && result.rows === truth.rows && result.totalAmount === truth.totalAmount;
  console.log("");
  console.log(equal ? `OK: equal totals, ${wall.toFixed(2)}s wall time` : `MISMATCH (run ${run.status})`);
  if (!equal && run.errors.length) console.log(JSON.stringify(run.errors.slice(0, 5), null, 2));
  await shutdown(equal ? 0 : 1);
} catch (err) {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  await shutdown(1);
}
