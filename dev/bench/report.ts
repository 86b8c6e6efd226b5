/**
 * Benchmark output: median and spread per scenario, the ratios the targets
 * are stated in, `bench/results.json`, and the README's Performance table.
 */
import { readFile, writeFile, mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export interface ScenarioResult {
  name: string;
  rows: number;
  ranges: number;
  concurrency: number;
  /** Median wall time of the runs. */
  seconds: number;
  rowsPerSec: number;
  runs: number[];
  spread: { min: number; max: number };
  note?: string;
}

/** The middle value (the lower of the two middles for an even count). */
export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return round(sorted[Math.floor((sorted.length - 1) / 2)] ?? 0);
}

/** `npm run bench:planning`: the balanced planner on 10,000,000 skewed rows. */
export interface PlanningFigures {
  rows: number;
  rowsPerRange: number;
  /** Median planning time of the runs. */
  seconds: number;
  runs: number[];
  ranges: number;
  /** Rows in each planned range as SQL counts them. */
  rowsPerRangeCounted: { max: number; median: number; min: number };
  /** The largest range over rowsPerRange. */
  maxVsTarget: number;
  /** Share of the table's pages marked all-visible (index-only scans skip the heap on those). */
  allVisible: number;
  coverage: "exact" | "broken";
}

export function summarize(base: Omit<ScenarioResult, "seconds" | "rowsPerSec" | "spread">): ScenarioResult {
  const sorted = [...base.runs].sort((a, b) => a - b);
  const seconds = sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
  return {
    ...base,
    seconds: round(seconds),
    rowsPerSec: seconds > 0 ? Math.round(base.rows / seconds) : 0,
    runs: base.runs.map(round),
    spread: { min: round(sorted[0] ?? 0), max: round(sorted.at(-1) ?? 0) },
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export interface Ratios {
  pullVsHandRolled: number | null;
  pushdownVsSql: number | null;
  coordinationRangesPerSec: number | null;
}

export function ratios(results: ScenarioResult[]): Ratios {
  const find = (name: string, rows?: number) =>
    results.filter((r) => r.name === name && (rows === undefined || r.rows === rows)).sort((a, b) => b.rows - a.rows)[0];
  const pull = find("rangemapPull", 1_000_000);
  const hand = find("handRolledParallel", 1_000_000);
  const largest = Math.max(...results.filter((r) => r.name === "rangemapPushdown").map((r) => r.rows));
  // The fastest pushdown configuration at that size: "as low as the design allows".
  const push = results.filter((x) => x.name === "rangemapPushdown" && x.rows === largest).sort((a, b) => a.seconds - b.seconds)[0];
  const sql = find("sqlAggregate", largest);
  const coord = results.find((r) => r.name === "coordination" && r.ranges === 10_000);
  return {
    pullVsHandRolled: pull && hand ? round(pull.seconds / hand.seconds) : null,
    pushdownVsSql: push && sql ? round(push.seconds / sql.seconds) : null,
    coordinationRangesPerSec: coord ? Math.round(coord.ranges / coord.seconds) : null,
  };
}

export function machine() {
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "unknown", memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version };
}

export async function writeResults(root: string, results: ScenarioResult[], r: Ratios): Promise<string> {
  const dir = path.join(root, "bench");
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, "results.json");
  await writeFile(file, `${JSON.stringify({ machine: machine(), date: new Date().toISOString(), scenarios: results, ratios: r }, null, 2)}\n`);
  return file;
}

const fmt = (n: number) => n.toLocaleString("en-US");

export function markdownTable(results: ScenarioResult[], r: Ratios): string {
  const m = machine();
  const lines = [
    `Measured on ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, local stack (wrangler dev, embedded Postgres). Median of the runs, spread in brackets.`,
    "",
    "| scenario | rows | ranges | C | seconds | rows/s |",
    "|---|---:|---:|---:|---:|---:|",
    ...results.map(
      (s) =>
        `| ${s.name} | ${fmt(s.rows)} | ${fmt(s.ranges)} | ${s.concurrency} | ${s.seconds.toFixed(3)} [${s.spread.min.toFixed(3)}–${s.spread.max.toFixed(3)}] | ${s.rows ? fmt(s.rowsPerSec) : "—"} |`,
    ),
    "",
    "| ratio | value | target | meaning |",
    "|---|---:|---:|---|",
    `| pullVsHandRolled | ${r.pullVsHandRolled ?? "—"} | ≤ 1.3 | rangemapPull time / handRolledParallel time at 1,000,000 rows: the cost of rangemap's machinery on the same pull-and-sum |`,
    `| pushdownVsSql | ${r.pushdownVsSql ?? "—"} | < 3 | the fastest rangemapPushdown time / one SQL aggregate at the largest size: how close the fan-out gets to the floor |`,
    `| coordinationRangesPerSec | ${r.coordinationRangesPerSec === null ? "—" : fmt(r.coordinationRangesPerSec)} | ≥ 2,000 | no-op ranges per second through one Coordinator (10,000 ranges) |`,
  ];
  return lines.join("\n");
}

/** Replaces the text between the README's bench markers. */
export async function updateReadme(root: string, table: string): Promise<boolean> {
  const file = path.join(root, "README.md");
  const text = await readFile(file, "utf8");
  const start = "<!-- bench:start -->";
  const end = "<!-- bench:end -->";
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return false;
  await writeFile(file, `${text.slice(0, a + start.length)}\n${table}\n${text.slice(b)}`);
  return true;
}

async function readResults(root: string): Promise<Record<string, unknown>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path.join(root, "bench", "results.json"), "utf8"));
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Writes the planning figures into bench/results.json, keeping what `npm run bench` wrote there. */
export async function writePlanning(root: string, figures: PlanningFigures): Promise<string> {
  const file = path.join(root, "bench", "results.json");
  await mkdir(path.dirname(file), { recursive: true });
  const results = { ...(await readResults(root)), planning: { ...figures, machine: machine(), date: new Date().toISOString() } };
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}
