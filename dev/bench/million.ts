/**
 * `npm run bench:million [-- --ranges N]`: a no-op run of 1,000,000 ranges
 * (the documented maximum) on the local stack, to show that planning in
 * chunks and the ledger keep a Coordinator's memory bounded: a Durable
 * Object's memory is not visible from inside, so this samples the resident
 * memory of the stack's workerd while the run goes. Writes `million` in
 * bench/results.json; fails unless the run succeeds with every range folded.
 */
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { RangemapClient } from "../../cli/client.js";
import { isFinished } from "../../src/lib/run-state.js";
import { seedOrders } from "../stack/seed.js";
import { startStack } from "../stack/stack.js";
import { writeSection } from "./report.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { values } = parseArgs({ options: { ranges: { type: "string", default: "1000000" } } });
const RANGES = Number(values.ranges);
const say = (line: string) => console.log(`[bench:million] ${line}`);

/** Resident memory (MB) of the workerd processes serving `port`, read from /proc. */
async function workerdRssMb(port: number): Promise<number> {
  let kb = 0;
  for (const pid of await readdir("/proc").catch(() => [])) {
    if (!/^\d+$/.test(pid)) continue;
    const cmd = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (!cmd.includes("workerd") || !cmd.includes(`127.0.0.1:${port}`)) continue;
    const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
    kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return Math.round(kb / 1024);
}

const stack = await startStack({ devJobs: true, quiet: true, stateDir: path.join(ROOT, ".data", "bench-million") });
try {
  await seedOrders(stack.databaseUrl, 1_000);
  const port = Number(new URL(stack.baseUrl).port);
  const api = new RangemapClient(stack.baseUrl, stack.apiToken);
  const before = await workerdRssMb(port);
  const t0 = performance.now();
  const started = await api.startRun("noop", { split: "uniform", start: "1", end: String(RANGES), rowsPerRange: 1, concurrency: 100, canary: false });
  say(`planned ${started.ranges.total} ranges in ${started.planningMs} ms`);
  let run = started;
  let peak = before;
  let lastSay = 0;
  while (!isFinished(run.status)) {
    await new Promise((r) => setTimeout(r, 1_000));
    run = await api.getRun(started.runId);
    peak = Math.max(peak, await workerdRssMb(port));
    if (performance.now() - lastSay > 10_000) {
      lastSay = performance.now();
      say(`${run.ranges.done.toLocaleString("en-US")} / ${run.ranges.total.toLocaleString("en-US")} ranges, workerd ${peak} MB at most`);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const figures = {
    ranges: run.ranges.total,
    status: run.status,
    seconds: Math.round(seconds * 10) / 10,
    rangesPerSec: Math.round(run.ranges.done / seconds),
    planningMs: run.planningMs,
    coordinatorCalls: run.lanes.calls,
    workerdRssMbBefore: before,
    workerdRssMbPeak: peak,
  };
  say(JSON.stringify(figures));
  say(`wrote ${await writeSection(ROOT, "million", figures)}`);
  const result = run.result as { ranges?: number } | null;
  if (run.status !== "succeeded" || result?.ranges !== RANGES) process.exitCode = 1;
} finally {
  await stack.stop();
}
