/**
 * `npm run bench [-- --quick] [-- --runs N]`: rangemap against the hand-rolled
 * alternatives on the local stack, each answer checked against SQL.
 *
 * Datasets: `orders` with 1,000,000 rows (and 10,000,000 without --quick), in
 * their own databases of a benchmark Postgres under .data/bench, made once and
 * reused. Writes bench/results.json and the README's Performance table.
 */
import { mkdir, rm, chmod } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { RangemapClient } from "../../cli/client.js";
import { ensureDatabase, findFreePort, startPostgres } from "../stack/postgres.js";
import { seedOrders } from "../stack/seed.js";
import { startStack } from "../stack/stack.js";
import { markdownTable, ratios, summarize, updateReadme, writeResults, type ScenarioResult } from "./report.js";
import {
  answerOf, handRolledParallel, rangemapRun, sequentialLoop, sqlAggregate, uniformRanges, type Answer, type Work,
} from "./scenarios.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { values } = parseArgs({
  options: { quick: { type: "boolean", default: false }, runs: { type: "string", default: "3" } },
});
const RUNS = Math.max(1, Number(values.runs) || 3);
const C = 6; // the Workers per-invocation connection limit, and what the local queue can run at once
const WIDTH = 10_000;
const WIDE_C = 48;
const sizes = values.quick ? [1_000_000] : [1_000_000, 10_000_000];
const say = (line: string) => console.log(`[bench] ${line}`);

const state = path.join(ROOT, ".data", "bench");
await mkdir(state, { recursive: true });
await chmod(state, 0o755);
const db = await startPostgres({ dataDir: path.join(state, "pg"), port: await findFreePort(), persistent: true, database: "bench_1m" });
const results: ScenarioResult[] = [];

function same(a: Answer, b: Answer): boolean {
  return a.rows === b.rows && a.totalAmount === b.totalAmount;
}

async function measure(name: string, rows: number, ranges: number, concurrency: number, truth: Answer, fn: () => Promise<Answer>, runs = RUNS) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const answer = await fn();
    times.push((performance.now() - t) / 1000);
    if (!same(answer, truth)) throw new Error(`${name} answered ${JSON.stringify(answer)}, SQL says ${JSON.stringify(truth)}`);
  }
  const r = summarize({ name, rows, ranges, concurrency, runs: times });
  results.push(r);
  say(`${name.padEnd(20)} rows=${rows} ranges=${ranges} C=${concurrency}: ${r.seconds}s [${r.spread.min}–${r.spread.max}]`);
}

/** The dataset of each size lives in a database of its own on the benchmark server. */
function databaseFor(rows: number): Promise<string> {
  return ensureDatabase(db.url, `bench_${rows / 1_000_000}m`);
}

try {
  for (const rows of sizes) {
    const url = await databaseFor(rows);
    const seedStart = performance.now();
    const seeded = await seedOrders(url, rows);
    say(`${rows} rows ${seeded.created ? `seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)}s` : "reused"}`);
    const work: Work = { url, ranges: uniformRanges(rows, WIDTH), concurrency: C };
    const n = work.ranges.length;
    const truth = await sqlAggregate(work);
    const big = rows > 1_000_000;

    await measure("sqlAggregate", rows, 1, 1, truth, () => sqlAggregate(work));
    if (!big) await measure("sequentialLoop", rows, n, 1, truth, () => sequentialLoop(work));
    await measure("handRolledParallel", rows, n, C, truth, () => handRolledParallel(work), big ? 1 : RUNS);

    const stateDir = path.join(state, `stack-${rows}`);
    await rm(stateDir, { recursive: true, force: true });
    const stack = await startStack({ databaseUrl: url, port: await findFreePort(), stateDir, quiet: true, pipelineConnect: true, devJobs: true });
    try {
      const api = new RangemapClient(stack.baseUrl, stack.apiToken);
      const body = { split: "uniform", rowsPerRange: WIDTH, concurrency: C, canary: false };
      await rangemapRun(api, "orders-total", { ...body, end: "100000" }); // warm the Worker up
      const asAnswer = async (job: string) => answerOf(await rangemapRun(api, job, body));
      await measure("rangemapPull", rows, n, C, truth, () => asAnswer("orders-pull"), big ? 1 : RUNS);
      await measure("rangemapPushdown", rows, n, C, truth, () => asAnswer("orders-total"));
      // The same work with more ranges leased at once: batches of 48 let each of the
      // 6 lanes reuse its connection for 8 ranges and report once per 48.
      const wide = async () => answerOf(await rangemapRun(api, "orders-total", { ...body, concurrency: WIDE_C }));
      await measure("rangemapPushdown", rows, n, WIDE_C, truth, wide);
      if (!big) {
        for (const ranges of [10_000, 100_000]) {
          const noop = { ranges, keys: String(ranges) };
          const noopAnswer = async () => {
            const run = await rangemapRun(api, "noop", { split: "uniform", start: "1", end: String(ranges), rowsPerRange: 1, concurrency: 100, canary: false });
            return run.result as { ranges: number; keys: string };
          };
          const times: number[] = [];
          for (let i = 0; i < (ranges > 10_000 ? 1 : RUNS); i++) {
            const t = performance.now();
            const got = await noopAnswer();
            times.push((performance.now() - t) / 1000);
            if (got.ranges !== noop.ranges || got.keys !== noop.keys) throw new Error(`noop answered ${JSON.stringify(got)}`);
          }
          const r = summarize({ name: "coordination", rows: 0, ranges, concurrency: 100, runs: times });
          results.push(r);
          say(`coordination         ranges=${ranges}: ${r.seconds}s → ${Math.round(ranges / r.seconds)} ranges/s`);
        }
      }
    } finally {
      await stack.stop();
    }
  }
  const r = ratios(results);
  say(`ratios: ${JSON.stringify(r)}`);
  say(`wrote ${await writeResults(ROOT, results, r)}`);
  if (await updateReadme(ROOT, markdownTable(results, r))) say("updated README.md (Performance)");
} finally {
  await db.stop();
}
