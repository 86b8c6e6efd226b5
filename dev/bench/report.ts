/**
 * Benchmark output: median and spread per scenario, the ratios issue 11's
 * targets are stated in, `bench/results.json`, and the generated table of
 * docs/performance.md, so that the page's figures are the file's.
 */
import { readFile, writeFile, mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** "local": everything on loopback. "rtt": 10 ms each way to Postgres and 50 ms each way to the Coordinator. */
export type Network = "local" | "rtt";

export interface ScenarioResult {
  name: string;
  network: Network;
  rows: number;
  ranges: number;
  concurrency: number;
  /** Median wall time of the runs; for rangemap, from the POST to the final status. */
  seconds: number;
  rowsPerSec: number;
  runs: number[];
  spread: { min: number; max: number };
  /** rangemap only, median of the runs: time spent planning (`planningMs`), included in `seconds`. */
  planningMs: number | null;
  /** rangemap only, median: sessions Postgres counted for the run (`pg_stat_database.sessions`). */
  connections: number | null;
  /** rangemap only, median: Coordinator calls per second (`lanes.calls` / seconds). */
  coordinatorCallsPerSec: number | null;
}

/** What one run of a scenario measured beyond its time; null where not measured. */
export interface RunExtras {
  planningMs: number | null;
  connections: number | null;
  coordinatorCalls: number | null;
}

/** The balanced planner on 10,000,000 skewed rows (dev/bench/planning-bench.ts). */
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

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The middle value (the lower of the two middles for an even count). */
export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return round(sorted[Math.floor((sorted.length - 1) / 2)] ?? 0);
}

function medianOrNull(xs: ReadonlyArray<number | null>): number | null {
  const known = xs.filter((x): x is number => x !== null);
  return known.length ? median(known) : null;
}

export function summarize(
  base: Pick<ScenarioResult, "name" | "network" | "rows" | "ranges" | "concurrency">,
  times: readonly number[],
  extras: readonly RunExtras[] = [],
): ScenarioResult {
  const seconds = median(times);
  return {
    ...base,
    seconds,
    rowsPerSec: seconds > 0 ? Math.round(base.rows / seconds) : 0,
    runs: times.map(round),
    spread: { min: round(Math.min(...times)), max: round(Math.max(...times)) },
    planningMs: medianOrNull(extras.map((e) => e.planningMs)),
    connections: medianOrNull(extras.map((e) => e.connections)),
    coordinatorCallsPerSec: medianOrNull(
      extras.map((e, i) => (e.coordinatorCalls === null || !times[i] ? null : Math.round(e.coordinatorCalls / times[i]))),
    ),
  };
}

export interface Ratios {
  /** Rows of the local dataset the C = 1 and C = 8 ratios are taken at (the largest measured). */
  rows: number | null;
  pushdownVsHandRolledC1: number | null;
  pushdownVsHandRolledC8: number | null;
  /** rangemapPull / handRolledParallel, C = 8. */
  pullVsHandRolled: number | null;
  /** rangemapPushdown / handRolledPushdown, C = 8, 200 ranges, with both delays. */
  pushdownVsHandRolledRtt: number | null;
  coordinationRangesPerSec: number | null;
  coordinationCallsPerSec: number | null;
  /** Sessions of one rangemapPushdown run at C = 8 over 100 ranges. */
  connectionsPerRun: number | null;
  /** The fastest rangemapPushdown / one SQL aggregate. */
  pushdownVsSql: number | null;
  /** rangemapPull on the Hyperdrive connector / handRolledParallel, C = 8. */
  pullVsHandRolledHyperdrive: number | null;
  /** rangemapPushdown on the Hyperdrive connector / handRolledPushdown, C = 8. */
  pushdownVsHandRolledC8Hyperdrive: number | null;
  /** Whether the network scenario's Worker applied the Coordinator delay (it reads COORDINATOR_RPC_DELAY_MS). */
  rttCoordinatorDelay: boolean;
}

export function ratios(results: ScenarioResult[]): Omit<Ratios, "rttCoordinatorDelay"> {
  const local = results.filter((r) => r.network === "local" && r.rows > 0);
  const rows = local.length ? Math.max(...local.map((r) => r.rows)) : null;
  const find = (name: string, c: number, network: Network = "local") =>
    results.find((r) => r.name === name && r.concurrency === c && r.network === network && (network === "rtt" || r.rows === rows));
  const ratio = (a?: ScenarioResult, b?: ScenarioResult) => (a && b && b.seconds > 0 ? round(a.seconds / b.seconds) : null);
  const fastest = results.filter((r) => r.name === "rangemapPushdown" && r.network === "local" && r.rows === rows).sort((a, b) => a.seconds - b.seconds)[0];
  const coord = results.find((r) => r.name === "coordination" && r.ranges === 10_000);
  return {
    rows,
    pushdownVsHandRolledC1: ratio(find("rangemapPushdown", 1), find("handRolledPushdown", 1)),
    pushdownVsHandRolledC8: ratio(find("rangemapPushdown", 8), find("handRolledPushdown", 8)),
    pullVsHandRolled: ratio(find("rangemapPull", 8), find("handRolledParallel", 8)),
    pushdownVsHandRolledRtt: ratio(find("rangemapPushdown", 8, "rtt"), find("handRolledPushdown", 8, "rtt")),
    coordinationRangesPerSec: coord ? Math.round(coord.ranges / coord.seconds) : null,
    coordinationCallsPerSec: coord?.coordinatorCallsPerSec ?? null,
    connectionsPerRun: find("rangemapPushdown", 8)?.connections ?? null,
    pushdownVsSql: ratio(fastest, find("sqlAggregate", 1)),
    pullVsHandRolledHyperdrive: ratio(find("rangemapPullHyperdrive", 8), find("handRolledParallel", 8)),
    pushdownVsHandRolledC8Hyperdrive: ratio(find("rangemapPushdownHyperdrive", 8), find("handRolledPushdown", 8)),
  };
}

export function machine() {
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "unknown", memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version };
}

const resultsFile = (root: string) => path.join(root, "bench", "results.json");

async function readResults(root: string): Promise<Record<string, unknown>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(resultsFile(root), "utf8"));
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

async function write(root: string, results: Record<string, unknown>): Promise<string> {
  await mkdir(path.dirname(resultsFile(root)), { recursive: true });
  await writeFile(resultsFile(root), `${JSON.stringify(results, null, 2)}\n`);
  return resultsFile(root);
}

/** Writes the scenarios, the ratios and the planning figures, keeping the sections other benchmarks wrote (`effects`). */
export async function writeResults(root: string, scenarios: ScenarioResult[], r: Ratios, planning: PlanningFigures): Promise<string> {
  return write(root, { ...(await readResults(root)), machine: machine(), date: new Date().toISOString(), scenarios, ratios: r, planning });
}

/** Writes the planning figures, keeping what `npm run bench` wrote. */
export async function writePlanning(root: string, figures: PlanningFigures): Promise<string> {
  return write(root, { ...(await readResults(root)), planning: { ...figures, machine: machine(), date: new Date().toISOString() } });
}

/** Writes one more figure set under `name` in bench/results.json, keeping the rest. */
export async function writeSection(root: string, name: string, figures: Record<string, unknown>): Promise<string> {
  return write(root, { ...(await readResults(root)), [name]: { ...figures, machine: machine(), date: new Date().toISOString() } });
}

const fmt = (n: number) => n.toLocaleString("en-US");
const orDash = (n: number | null, f: (n: number) => string = String) => (n === null ? "—" : f(n));
const verdict = (ok: boolean | null) => (ok === null ? "not measured" : ok ? "met" : "missed");

function markdownTable(results: ScenarioResult[], r: Ratios, planning: PlanningFigures): string {
  const m = machine();
  const at = r.rows === null ? "" : `, ${fmt(r.rows)} rows in 100 ranges`;
  const rows: Array<[string, number | null, string, boolean | null, string]> = [
    ["pushdownVsHandRolledC1", r.pushdownVsHandRolledC1, "≤ 1.5", r.pushdownVsHandRolledC1 === null ? null : r.pushdownVsHandRolledC1 <= 1.5, `rangemapPushdown / handRolledPushdown, C = 1${at}`],
    ["pushdownVsHandRolledC8", r.pushdownVsHandRolledC8, "≤ 1.5", r.pushdownVsHandRolledC8 === null ? null : r.pushdownVsHandRolledC8 <= 1.5, `the same, C = 8${at}`],
    ["pullVsHandRolled", r.pullVsHandRolled, "≤ 1.3", r.pullVsHandRolled === null ? null : r.pullVsHandRolled <= 1.3, `rangemapPull / handRolledParallel (both pull every row), C = 8${at}`],
    ["pushdownVsHandRolledRtt", r.pushdownVsHandRolledRtt, "≤ 1.5", r.pushdownVsHandRolledRtt === null ? null : r.pushdownVsHandRolledRtt <= 1.5, `rangemapPushdown / handRolledPushdown, C = 8, 2,000,000 rows in 200 ranges, 10 ms each way to Postgres, ${r.rttCoordinatorDelay ? "50 ms each way to the Coordinator" : "and no Coordinator delay: this Worker does not read COORDINATOR_RPC_DELAY_MS"}`],
    ["coordinationRangesPerSec", r.coordinationRangesPerSec, "≥ 10,000", r.coordinationRangesPerSec === null ? null : r.coordinationRangesPerSec >= 10_000, `no-op ranges of one key per second, 10,000 ranges; Coordinator calls/s: ${orDash(r.coordinationCallsPerSec, fmt)}`],
    ["connectionsPerRun", r.connectionsPerRun, "≤ 16", r.connectionsPerRun === null ? null : r.connectionsPerRun <= 16, `sessions Postgres counted for one rangemapPushdown run, C = 8${at}`],
    ["pushdownVsSql", r.pushdownVsSql, "—", null, "the fastest rangemapPushdown / one SQL aggregate: how close the fan-out gets to the floor"],
    ["pullVsHandRolledHyperdrive", r.pullVsHandRolledHyperdrive, "—", null, `rangemapPull on the Hyperdrive connector / handRolledParallel, C = 8${at}`],
    ["pushdownVsHandRolledC8Hyperdrive", r.pushdownVsHandRolledC8Hyperdrive, "—", null, `rangemapPushdown on the Hyperdrive connector / handRolledPushdown, C = 8${at}`],
  ];
  const lines = [
    `Measured on ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, local stack (wrangler dev, embedded Postgres). Median of the runs, spread in brackets. rangemap times run from the POST to the final status; planning is part of them and shown beside them.`,
    "",
    "| scenario | network | rows | ranges | C | seconds | rows/s | planning ms | connections | Coordinator calls/s |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...results.map(
      (s) =>
        `| ${s.name} | ${s.network} | ${fmt(s.rows)} | ${fmt(s.ranges)} | ${s.concurrency} | ${s.seconds.toFixed(3)} [${s.spread.min.toFixed(3)}–${s.spread.max.toFixed(3)}] | ${s.rows ? fmt(s.rowsPerSec) : "—"} | ${orDash(s.planningMs, fmt)} | ${orDash(s.connections, fmt)} | ${orDash(s.coordinatorCallsPerSec, fmt)} |`,
    ),
    "",
    "| figure | value | target | | what it is |",
    "|---|---:|---:|---|---|",
    ...rows.map(([name, value, target, ok, meaning]) => `| ${name} | ${orDash(value, fmt)} | ${target} | ${target === "—" ? "" : verdict(ok)} | ${meaning} |`),
  ];
  const planned = planning.seconds < 1 && planning.maxVsTarget <= 1.25 && planning.coverage === "exact";
  lines.push(
    `| balanced plan | ${planning.seconds} s | < 1 s, max ≤ 1.25× | ${verdict(planned)} | the balanced planner (\`npm run bench:planning\`) on ${fmt(planning.rows)} skewed rows in ${fmt(planning.ranges)} ranges of ${fmt(planning.rowsPerRange)}; rows per range max ${fmt(planning.rowsPerRangeCounted.max)} (${planning.maxVsTarget}×), median ${fmt(planning.rowsPerRangeCounted.median)}, min ${fmt(planning.rowsPerRangeCounted.min)}; coverage ${planning.coverage} |`,
  );
  return lines.join("\n");
}

/**
 * Regenerates the table between the bench markers of docs/performance.md
 * from bench/results.json, so that the page always shows the file's figures,
 * whichever of `npm run bench` and `npm run bench:planning` wrote last.
 * Null when the file lacks a part of them or the page lacks the markers.
 */
export async function updateDocs(root: string): Promise<string | null> {
  const results = await readResults(root);
  const { scenarios, ratios: r, planning } = results;
  if (!Array.isArray(scenarios) || r === null || typeof r !== "object" || planning === null || typeof planning !== "object") return null;
  const table = markdownTable(scenarios as ScenarioResult[], r as Ratios, planning as PlanningFigures);
  const file = path.join(root, "docs", "performance.md");
  const text = await readFile(file, "utf8");
  const start = "<!-- bench:start -->";
  const end = "<!-- bench:end -->";
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return null;
  await writeFile(file, `${text.slice(0, a + start.length)}\n${table}\n${text.slice(b)}`);
  return file;
}
