/**
 * `npm run bench [-- --quick] [-- --runs N]`: rangemap against what a user
 * would write instead (a `pg` pool and a loop over the same ranges), on the
 * local stack, each answer checked against SQL. Issue 11's figures:
 *
 * - C = 1, 8 (and 48 for rangemap) on 1,000,000 and 2,000,000 rows (--quick:
 *   1,000,000 only) in 100 uniform ranges: pushdown (`orders-total`'s
 *   aggregate per range) and pull (every amount summed on the client).
 * - A network scenario: 2,000,000 rows in 200 ranges at C = 8, with 10 ms
 *   each way between every client and Postgres (dev/bench/delay-proxy.ts)
 *   and 50 ms each way on every consumer↔Coordinator call.
 * - Coordination: 10,000 no-op ranges of one key (and 100,000 without --quick).
 * - Balanced planning of 10,000,000 skewed rows, as `npm run bench:planning`.
 *
 * rangemap figures are end to end, from the POST to the final status, canary
 * off; the planning time and the sessions Postgres counted are reported
 * beside them. Datasets live in their own databases of a benchmark Postgres
 * under .data/bench, made once and reused. Writes bench/results.json and the
 * table of docs/performance.md.
 */
import { chmod, mkdir, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { RangemapClient } from "../../cli/client.js";
import { ensureDatabase, findFreePort, startPostgres } from "../stack/postgres.js";
import { seedOrders } from "../stack/seed.js";
import { startStack } from "../stack/stack.js";
import { startDelayProxy } from "./delay-proxy.js";
import { benchPlanning } from "./planning-bench.js";
import { ratios, summarize, updateDocs, writeResults, type Network, type RunExtras, type ScenarioResult } from "./report.js";
import {
  answerOf, figuresOf, handRolledParallel, handRolledPushdown, rangemapRun, sessionsOpened, settled, sqlAggregate, uniformRanges,
  type Answer, type Work,
} from "./scenarios.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, runs: { type: "string" } } });
const RUNS = Math.max(1, Number(values.runs) || 3);
const SIZES = values.quick ? [1_000_000] : [1_000_000, 2_000_000];
/** Runs until their times add up to this, up to MAX_RUNS. */
const SHORT_SECONDS = 3;
const MAX_RUNS = 9;
const RANGES = 100;
const HAND_C = [1, 8];
const RANGEMAP_C = [1, 8, 48];
const RTT = { rows: 2_000_000, ranges: 200, concurrency: 8, pgDelayMs: 10, rpcDelayMs: 50 };
const PLANNING = { rows: 10_000_000, rowsPerRange: 10_000 };
const say = (line: string) => console.log(`[bench] ${line}`);

const state = path.join(ROOT, ".data", "bench");
await mkdir(state, { recursive: true });
await chmod(state, 0o755);
const db = await startPostgres({ dataDir: path.join(state, "pg"), port: await findFreePort(), persistent: true, database: "bench_1m" });
// Reads the session counts from another database, so that its own session is not counted.
const monitorUrl = new URL(db.url);
monitorUrl.pathname = "/postgres";
const monitor = new pg.Client({ connectionString: monitorUrl.toString() });
await monitor.connect();
const results: ScenarioResult[] = [];

function same(a: Answer, b: Answer): boolean {
  return a.rows === b.rows && a.totalAmount === b.totalAmount;
}

type Base = Pick<ScenarioResult, "name" | "network" | "rows" | "ranges" | "concurrency">;

/** One measured run: its answer, and for rangemap its own time (without the bookkeeping around it) and extras. */
interface Measured {
  answer: Answer;
  seconds?: number;
  extras?: RunExtras;
}

async function measure(base: Base, truth: Answer, fn: () => Promise<Measured>, runs = RUNS): Promise<void> {
  const times: number[] = [];
  const extras: RunExtras[] = [];
  // A short scenario runs more often, so one slow run on a busy machine does not become its median.
  while (times.length < runs || (times.length < MAX_RUNS && times.reduce((a, b) => a + b, 0) < SHORT_SECONDS)) {
    const t = performance.now();
    const got = await fn();
    times.push(got.seconds ?? (performance.now() - t) / 1000);
    if (got.extras) extras.push(got.extras);
    if (!same(got.answer, truth)) throw new Error(`${base.name} answered ${JSON.stringify(got.answer)}, SQL says ${JSON.stringify(truth)}`);
  }
  const r = summarize(base, times, extras);
  results.push(r);
  const beside = [
    r.planningMs === null ? "" : ` planning ${r.planningMs} ms`,
    r.connections === null ? "" : ` connections ${r.connections}`,
    r.coordinatorCallsPerSec === null ? "" : ` calls/s ${r.coordinatorCallsPerSec}`,
  ].join("");
  say(`${base.name.padEnd(19)} ${base.network} rows=${base.rows} ranges=${base.ranges} C=${base.concurrency}: ${r.seconds}s [${r.spread.min}–${r.spread.max}]${beside}`);
}

const databaseName = (rows: number) => `bench_${rows / 1_000_000}m`;

async function dataset(rows: number): Promise<{ url: string; truth: Answer }> {
  const url = await ensureDatabase(db.url, databaseName(rows));
  const seedStart = performance.now();
  const seeded = await seedOrders(url, rows);
  say(`${rows} rows ${seeded.created ? `seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)}s` : "reused"}`);
  return { url, truth: await sqlAggregate({ url, ranges: [], concurrency: 1 }) };
}

/**
 * A rangemap run as one measured run: its answer, the planning time and
 * Coordinator calls its final status reports, and the sessions Postgres
 * counted from before the POST until its last connection closed.
 */
async function rangemapScenario(api: RangemapClient, database: string, job: string, body: Record<string, unknown>) {
  const before = await sessionsOpened(monitor, database);
  const t = performance.now();
  const run = await rangemapRun(api, job, body);
  const seconds = (performance.now() - t) / 1000;
  await settled(monitor, database);
  const connections = (await sessionsOpened(monitor, database)) - before;
  const { planningMs, coordinatorCalls } = figuresOf(run);
  return { run, seconds, extras: { planningMs, coordinatorCalls, connections } };
}

async function withStack<T>(
  rows: number,
  url: string,
  name: string,
  vars: Record<string, string>,
  fn: (api: RangemapClient) => Promise<T>,
  driver: "neon" | "hyperdrive" = "neon",
): Promise<T> {
  const stateDir = path.join(state, `stack-${name}`);
  await rm(stateDir, { recursive: true, force: true });
  const stack = await startStack({ databaseUrl: url, port: await findFreePort(), stateDir, quiet: true, pipelineConnect: true, devJobs: true, vars, driver });
  try {
    const api = new RangemapClient(stack.baseUrl, stack.apiToken);
    await rangemapRun(api, "orders-total", { split: "uniform", rowsPerRange: rows / RANGES, canary: false, end: "100000" }); // warm the Worker up
    return await fn(api);
  } finally {
    await stack.stop();
  }
}

async function local(rows: number, first: boolean): Promise<void> {
  const { url, truth } = await dataset(rows);
  const width = rows / RANGES;
  const work = (concurrency: number): Work => ({ url, ranges: uniformRanges(rows, width), concurrency });
  const base = (name: string, concurrency: number): Base => ({ name, network: "local", rows, ranges: RANGES, concurrency });
  await measure({ ...base("sqlAggregate", 1), ranges: 1 }, truth, async () => ({ answer: await sqlAggregate(work(1)) }));
  for (const c of HAND_C) {
    await measure(base("handRolledPushdown", c), truth, async () => ({ answer: await handRolledPushdown(work(c)) }));
    await measure(base("handRolledParallel", c), truth, async () => ({ answer: await handRolledParallel(work(c)) }));
  }
  await withStack(rows, url, `${rows}`, {}, async (api) => {
    for (const c of RANGEMAP_C) {
      for (const [name, job] of [["rangemapPushdown", "orders-total"], ["rangemapPull", "orders-pull"]] as const) {
        await measure(base(name, c), truth, async () => {
          const { run, seconds, extras } = await rangemapScenario(api, databaseName(rows), job, { split: "uniform", start: "1", rowsPerRange: width, concurrency: c, canary: false });
          return { answer: answerOf(run), seconds, extras };
        });
      }
    }
    if (first) await coordination(api, databaseName(rows));
  });
  if (!first) return;
  // The same runs on the second connector: `pg` through a Hyperdrive binding (locally, straight TCP).
  await withStack(
    rows,
    url,
    `${rows}-hyperdrive`,
    {},
    async (api) => {
      for (const [name, job] of [["rangemapPushdownHyperdrive", "orders-total"], ["rangemapPullHyperdrive", "orders-pull"]] as const) {
        await measure(base(name, 8), truth, async () => {
          const { run, seconds, extras } = await rangemapScenario(api, databaseName(rows), job, { split: "uniform", start: "1", rowsPerRange: width, concurrency: 8, canary: false });
          return { answer: answerOf(run), seconds, extras };
        });
      }
    },
    "hyperdrive",
  );
}

/** No-op ranges of one key: the rate of rangemap's own machinery, and the Coordinator calls it takes. */
async function coordination(api: RangemapClient, database: string): Promise<void> {
  for (const ranges of values.quick ? [10_000] : [10_000, 100_000]) {
    const truth: Answer = { rows: ranges, totalAmount: String(ranges) };
    const base: Base = { name: "coordination", network: "local", rows: 0, ranges, concurrency: 100 };
    await measure(base, truth, async () => {
      const body = { split: "uniform", start: "1", end: String(ranges), rowsPerRange: 1, concurrency: 100, canary: false };
      const { run, seconds, extras } = await rangemapScenario(api, database, "noop", body);
      const r = run.result as { ranges?: number; keys?: string };
      return { answer: { rows: r.ranges ?? -1, totalAmount: r.keys ?? "" }, seconds, extras };
    }, ranges > 10_000 ? 1 : RUNS);
  }
}

/** Whether the Worker's source reads `name` at all: a var it does not read is silently ignored by wrangler. */
async function workerReads(name: string): Promise<boolean> {
  const files = (await readdir(path.join(ROOT, "src"), { recursive: true })).filter((f) => f.endsWith(".ts"));
  for (const f of files) if ((await readFile(path.join(ROOT, "src", f), "utf8")).includes(name)) return true;
  return false;
}

/** The network scenario: both rangemap and the pool reach Postgres through the delay proxy. */
async function rtt(): Promise<boolean> {
  const rpcDelay = await workerReads("COORDINATOR_RPC_DELAY_MS");
  if (!rpcDelay) say("this Worker does not read COORDINATOR_RPC_DELAY_MS: the network scenario has the Postgres delay only");
  const { url, truth } = await dataset(RTT.rows);
  const delay = await startDelayProxy({ target: { host: db.host, port: db.port }, delayMs: RTT.pgDelayMs });
  try {
    const slow = new URL(url);
    slow.port = String(delay.port);
    const width = RTT.rows / RTT.ranges;
    const network: Network = "rtt";
    const base = (name: string): Base => ({ name, network, rows: RTT.rows, ranges: RTT.ranges, concurrency: RTT.concurrency });
    const work: Work = { url: slow.toString(), ranges: uniformRanges(RTT.rows, width), concurrency: RTT.concurrency };
    await measure(base("handRolledPushdown"), truth, async () => ({ answer: await handRolledPushdown(work) }));
    await withStack(RTT.rows, slow.toString(), "rtt", { COORDINATOR_RPC_DELAY_MS: String(RTT.rpcDelayMs) }, async (api) => {
      await measure(base("rangemapPushdown"), truth, async () => {
        const body = { split: "uniform", start: "1", rowsPerRange: width, concurrency: RTT.concurrency, canary: false };
        const { run, seconds, extras } = await rangemapScenario(api, databaseName(RTT.rows), "orders-total", body);
        return { answer: answerOf(run), seconds, extras };
      });
    });
  } finally {
    await delay.close();
  }
  return rpcDelay;
}

try {
  // First, before any stack runs: it is the figure most sensitive to a busy machine.
  const planning = await benchPlanning(await ensureDatabase(db.url, "bench_planning"), PLANNING.rows, PLANNING.rowsPerRange, (line) => say(`balanced plan: ${line}`));
  for (const [i, rows] of SIZES.entries()) await local(rows, i === 0);
  const rpcDelay = await rtt();
  const r = { ...ratios(results), rttCoordinatorDelay: rpcDelay };
  say(`ratios: ${JSON.stringify(r)}`);
  say(`wrote ${await writeResults(ROOT, results, r, planning)}`);
  const docs = await updateDocs(ROOT);
  if (docs) say(`updated ${path.relative(ROOT, docs)}`);
} finally {
  await monitor.end();
  await db.stop();
}
