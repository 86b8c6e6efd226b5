/**
 * `npm run test:restart`: the whole local stack is stopped mid-run and started
 * again, and the run still finishes with the exact result.
 *
 * Local queues keep messages in memory only, so the restart loses every range
 * in flight. The ledger is durable (the Coordinator's SQLite storage under the
 * state folder) and leases recover the lost messages: after the restart the
 * alarm sends them again. The result is checked against one SQL aggregate.
 * Everything runs on free ports with its own state folder, so it does not
 * disturb a developer's `npm run dev`. Exits 0 only on an exact result.
 *
 * `--job orders-archive` (`npm run test:restart:archive`) runs the job that
 * writes exactly once: after the restart `orders_archive` must hold exactly
 * one row per order (count, distinct ids and total, by SQL). Each job's seed
 * and ground truth come from the demo's table (dev/stack/demo-jobs.ts).
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { RangemapClient } from "../cli/client.js";
import { runToATenth } from "./interrupted-run.js";
import { sleep } from "../src/lib/sleep.js";
import { findFreePort, startPostgres, type LocalPostgres } from "../dev/stack/postgres.js";
import { reachableTempDir } from "../dev/stack/postgres-os.js";
import { DEMO_JOBS } from "../dev/stack/demo-jobs.js";
import { startStack, type Stack } from "../dev/stack/stack.js";

const ROWS = 200_000;
const { values } = parseArgs({ options: { job: { type: "string", default: "orders-total" } } });
const job = values.job;
const demo = DEMO_JOBS[job];
if (!demo) throw new Error(`--job must be one of ${Object.keys(DEMO_JOBS).join(", ")}`);
const t0 = Date.now();
const say = (line: string) => console.log(`[restart-test ${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);

const state = await reachableTempDir("rangemap-restart-");
const pgOptions = { dataDir: path.join(state, "pg"), port: await findFreePort(), persistent: true };
const port = await findFreePort();
let db: LocalPostgres | undefined;
let stack: Stack | undefined;

async function up(): Promise<RangemapClient> {
  db = await startPostgres(pgOptions);
  stack = await startStack({ databaseUrl: db.url, port, stateDir: state, quiet: true, pipelineConnect: true, devJobs: true });
  return new RangemapClient(stack.baseUrl, stack.apiToken);
}

async function down(): Promise<void> {
  await stack?.stop();
  await db?.stop();
  stack = undefined;
  db = undefined;
}

let exitCode = 1;
try {
  let client = await up();
  await demo.seed(db?.url ?? "", ROWS);
  const { started, before } = await runToATenth(client, job, "the restart");
  say(`run ${started.runId}: ${started.ranges.total} ranges`);
  say(`stopping the whole stack at ${before.ranges.done}/${before.ranges.total} ranges (${before.lanes.active} lanes)`);
  await down();
  await sleep(1_000);
  client = await up();
  say("stack started again");
  const deadline = Date.now() + 120_000;
  let run = await client.getRun(started.runId);
  while (run.status === "running" && Date.now() < deadline) {
    await sleep(250);
    run = await client.getRun(started.runId);
  }
  const truth = await demo.truth(db?.url ?? "");
  const measured = await demo.measured(db?.url ?? "", run.result);
  say(`run ${run.status}: ${JSON.stringify(measured)}; SQL: ${JSON.stringify(truth)}`);
  const exact = Object.keys(truth).every((name) => measured[name] === truth[name]);
  if (run.status === "succeeded" && exact && before.ranges.done < run.ranges.done) {
    say("OK: the run survived the restart with the exact result");
    exitCode = 0;
  } else {
    say("FAILED");
  }
} catch (err) {
  say(`error: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  await down().catch(() => {});
  await rm(state, { recursive: true, force: true });
}
process.exit(exitCode);
