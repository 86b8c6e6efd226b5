/**
 * `npm run bench:planning [-- --rows N] [-- --rows-per-range N]`: the
 * balanced planner on 10,000,000 skewed rows (dev/bench/planning-bench.ts).
 * Prints the figures, writes them under `planning` in bench/results.json
 * (and the table of docs/performance.md from it), and fails unless the plan covers the table exactly with no range over
 * 1.25× rowsPerRange. `npm run bench` runs the same.
 */
import { chmod, mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { findFreePort, startPostgres } from "../stack/postgres.js";
import { benchPlanning, MAX_VS_TARGET } from "./planning-bench.js";
import { updateDocs, writePlanning } from "./report.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { values } = parseArgs({ options: { rows: { type: "string", default: "10000000" }, "rows-per-range": { type: "string", default: "10000" } } });
const say = (line: string) => console.log(`[bench:planning] ${line}`);

const state = path.join(ROOT, ".data", "bench");
await mkdir(state, { recursive: true });
await chmod(state, 0o755);
const db = await startPostgres({ dataDir: path.join(state, "pg"), port: await findFreePort(), persistent: true, database: "bench_planning" });
try {
  const figures = await benchPlanning(db.url, Number(values.rows), Number(values["rows-per-range"]), say);
  say(`wrote ${await writePlanning(ROOT, figures)}`);
  const docs = await updateDocs(ROOT);
  if (docs) say(`updated ${path.relative(ROOT, docs)}`);
  if (figures.coverage !== "exact" || figures.maxVsTarget > MAX_VS_TARGET) process.exitCode = 1;
} finally {
  await db.stop();
}
