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
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import { RangemapClient } from "../cli/client.js";
import type { RunStatus } from "../src/coordinator/types.js";
import { findFreePort, startPostgres, type LocalPostgres } from "../dev/stack/postgres.js";
import { reachableTempDir } from "../dev/stack/postgres-os.js";
import { ordersTruth, seedOrders } from "../dev/stack/seed.js";
import { startStack, type Stack } from "../dev/stack/stack.js";

const ROWS = 200_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const say = (line: string) => console.log(`[restart-test ${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);

const state = await reachableTempDir("rangemap-restart-");
const pgOptions = { dataDir: path.join(state, "pg"), port: await findFreePort(), persistent: true };
const port = await findFreePort();
let db: LocalPostgres | undefined;
let stack: Stack | undefined;

async function up(): Promise<RangemapClient> {
  db = await startPostgres(pgOptions);
  stack = await startStack({ databaseUrl: db.url, port, stateDir: state, quiet: true, pipelineConnect: true });
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
  await seedOrders(db?.url ?? "", ROWS);
  // Small ranges at low concurrency keep the run going for several seconds; a
  // short lease makes recovery after the restart quick.
  const started = await client.startRun("orders-total", { rowsPerRange: 100, concurrency: 1, leaseSeconds: 5, canary: false });
  say(`run ${started.runId}: ${started.ranges.total} ranges`);
  let before: RunStatus = started;
  // Stopped early (a tenth of the ranges): with hot lanes a run of this size takes
  // a few seconds, and polling finds it at any point of them.
  while (before.ranges.done < started.ranges.total * 0.1) {
    await sleep(25);
    before = await client.getRun(started.runId);
    if (before.status !== "running") throw new Error(`the run ended (${before.status}) before the restart`);
  }
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
  const truth = await ordersTruth(db?.url ?? "");
  say(`run ${run.status}: ${JSON.stringify(run.result)}; SQL: ${JSON.stringify(truth)}`);
  const result = run.result as { rows?: number; totalAmount?: string };
  if (run.status === "succeeded" && result.rows === truth.rows && result.totalAmount === truth.totalAmount && before.ranges.done < run.ranges.done) {
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
