/**
 * `npm run bench:effects [-- --quick]`: what exactly-once costs per range.
 * `orders-archive` (`writes: "exactly-once"`) against its at-least-once twin
 * (dev/jobs/orders-archive-at-least-once.ts): the same copy of `orders` into
 * `orders_archive`, over the same uniform ranges, at C = 1 and C = 8, on the
 * local stack. The twin runs each range in the same transaction; the
 * difference is the try-lock, the lookup and the record insert. Every run is
 * checked by SQL (one archived row per order) and the archive emptied before
 * the next. Writes `effects` in bench/results.json and its table in
 * docs/performance.md.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { RangemapClient } from "../../cli/client.js";
import { withPg } from "../stack/postgres.js";
import { seedOrders } from "../stack/seed.js";
import { startStack } from "../stack/stack.js";
import { median, writeSection } from "./report.js";
import { updateEffectsDocs, type EffectsFigures, type EffectsScenario } from "./effects-report.js";
import { rangemapRun } from "./scenarios.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { values } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
const ROWS = values.quick ? 200_000 : 1_000_000;
const RANGES = 1_000;
const RUNS = 3;
const JOBS = [["exactly-once", "orders-archive"], ["at-least-once", "orders-archive-at-least-once"]] as const;
const say = (line: string) => console.log(`[bench:effects] ${line}`);

const stack = await startStack({ devJobs: true, quiet: true, stateDir: path.join(ROOT, ".data", "bench-effects") });
try {
  const url = stack.databaseUrl;
  await seedOrders(url, ROWS);
  const archive = async (sql: string) => withPg(url, (c) => c.query(sql));
  await archive("CREATE TABLE IF NOT EXISTS orders_archive (id bigint NOT NULL, amount numeric(12,2), archived_at timestamptz NOT NULL)");
  const api = new RangemapClient(stack.baseUrl, stack.apiToken);
  const body = (concurrency: number) => ({ split: "uniform", rowsPerRange: ROWS / RANGES, concurrency, canary: false });
  const scenarios: EffectsScenario[] = [];
  for (const concurrency of [1, 8]) {
    for (const [writes, job] of JOBS) {
      const runs: number[] = [];
      // One unmeasured run first: the Worker's first run pays for its start-up.
      for (let i = 0; i <= RUNS; i++) {
        await archive("TRUNCATE orders_archive");
        const t = performance.now();
        const run = await rangemapRun(api, job, body(concurrency));
        const seconds = (performance.now() - t) / 1000;
        const check = await withPg(url, (c) =>
          c.query<{ rows: string; ids: string; orders: string }>(
            "SELECT count(*) AS rows, count(DISTINCT id) AS ids, (SELECT count(*) FROM orders) AS orders FROM orders_archive",
          ),
        );
        const r = check.rows[0];
        if (run.status !== "succeeded" || !r || r.rows !== r.orders || r.ids !== r.orders) {
          throw new Error(`${job} C=${concurrency}: run ${run.status}, archive ${JSON.stringify(r)}`);
        }
        if (i > 0) runs.push(seconds);
      }
      const s: EffectsScenario = { writes, job, rows: ROWS, ranges: RANGES, concurrency, seconds: median(runs), runs: runs.map((x) => Math.round(x * 1000) / 1000) };
      scenarios.push(s);
      say(`${writes.padEnd(13)} C=${concurrency}: ${s.seconds}s ${JSON.stringify(s.runs)}`);
    }
  }
  const at = (writes: string, c: number) => scenarios.find((s) => s.writes === writes && s.concurrency === c)?.seconds ?? NaN;
  const perRange = (c: number) => Math.round(((at("exactly-once", c) - at("at-least-once", c)) * 1000 * c * 100) / RANGES) / 100;
  const figures: EffectsFigures = {
    scenarios,
    extraMsPerRangeC1: perRange(1),
    ratioC1: Math.round((at("exactly-once", 1) / at("at-least-once", 1)) * 1000) / 1000,
    ratioC8: Math.round((at("exactly-once", 8) / at("at-least-once", 8)) * 1000) / 1000,
  };
  say(JSON.stringify({ extraMsPerRangeC1: figures.extraMsPerRangeC1, ratioC1: figures.ratioC1, ratioC8: figures.ratioC8 }));
  say(`wrote ${await writeSection(ROOT, "effects", { ...figures })}`);
  const docs = await updateEffectsDocs(ROOT);
  if (docs) say(`updated ${path.relative(ROOT, docs)}`);
} finally {
  await stack.stop();
}
