/**
 * `npm run bench:planning [-- --rows N]`: the balanced split on a skewed key
 * space of 10,000,000 rows (a dense block, negative ids, a sparse tail up to
 * 9e18 and the largest bigint). Reports planning time and the rows per range
 * that SQL counts in the plan: max, median, min, and the coverage check, in
 * the terminal and under `planning` in bench/results.json. Fails unless the
 * plan covers the table exactly with no range over 1.25× rowsPerRange.
 *
 * It runs the Worker's own planner (src/planning/balanced.ts) from Node over
 * the `pg` driver, with extra sessions opened as plan.ts opens them, so the
 * figure is the planner's work against Postgres, not the proxy's. The table
 * is made once in the benchmark Postgres and reused.
 */
import { chmod, mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { Identifier, sqlOf } from "../../src/db/sql.js";
import { planBalanced } from "../../src/planning/balanced.js";
import type { MoreSessions } from "../../src/planning/keys/key-type.js";
import { findFreePort, startPostgres } from "../stack/postgres.js";
import { median, writePlanning, type PlanningFigures } from "./report.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { values } = parseArgs({ options: { rows: { type: "string", default: "10000000" }, "rows-per-range": { type: "string", default: "10000" } } });
const ROWS = Number(values.rows);
const RPR = Number(values["rows-per-range"]);
/** The evenness the planner keeps: no range over 1.25× the rows asked for, by SQL's count. */
const MAX_VS_TARGET = 1.25;
const say = (line: string) => console.log(`[bench:planning] ${line}`);

const state = path.join(ROOT, ".data", "bench");
await mkdir(state, { recursive: true });
await chmod(state, 0o755);
const db = await startPostgres({ dataDir: path.join(state, "pg"), port: await findFreePort(), persistent: true, database: "bench_planning" });
const client = new pg.Client({ connectionString: db.url });
await client.connect();
/** What the Worker's planner gets from plan.ts: another session, opened for one piece of work. */
const more: MoreSessions = async (fn) => {
  const other = new pg.Client({ connectionString: db.url });
  await other.connect();
  try {
    return await fn(sqlOf(other));
  } finally {
    await other.end();
  }
};
try {
  const table = `skewed_${ROWS}`;
  const exists = (await client.query<{ t: string | null }>("SELECT to_regclass($1)::text AS t", [table])).rows[0]?.t;
  const have = exists ? Number((await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`)).rows[0]?.n) : -1;
  if (have !== ROWS) {
    const t = performance.now();
    const tail = 10_000;
    const negatives = 100_000;
    const dense = ROWS - tail - negatives - 1;
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.query(`CREATE TABLE ${table} (id bigint PRIMARY KEY, amount numeric(12,2))`);
    await client.query(`INSERT INTO ${table} SELECT g, (g % 1000) / 10.0 FROM generate_series(-${negatives}, -1) g`);
    await client.query(`INSERT INTO ${table} SELECT g, (g % 1000) / 10.0 FROM generate_series(1, ${dense}) g`);
    await client.query(
      `INSERT INTO ${table} SELECT DISTINCT (${dense} + 1000000 + (9e18::numeric * (i / ${tail}.0) ^ 3))::bigint, 1 FROM generate_series(1, ${tail}) i ON CONFLICT DO NOTHING`,
    );
    await client.query(`INSERT INTO ${table} VALUES (9223372036854775807, 1) ON CONFLICT DO NOTHING`);
    // A table in steady state: autovacuum has set its visibility map, as it does within
    // minutes of a bulk load on a live server (this one runs only while a bench does).
    await client.query(`VACUUM (ANALYZE) ${table}`);
    say(`made ${table} in ${((performance.now() - t) / 1000).toFixed(1)}s`);
  }
  const [{ lo, hi, n } = { lo: "0", hi: "0", n: "0" }] = (
    await client.query<{ lo: string; hi: string; n: string }>(`SELECT min(id)::text AS lo, max(id)::text AS hi, count(*)::text AS n FROM ${table}`)
  ).rows;
  const times: number[] = [];
  let plan: Awaited<ReturnType<typeof planBalanced>> | undefined;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    plan = await planBalanced(sqlOf(client), new Identifier(table), new Identifier("id"), BigInt(lo), BigInt(hi), RPR, more);
    times.push((performance.now() - t) / 1000);
  }
  if (!plan) throw new Error("no plan");
  const counts = await client.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM ${table} WHERE id BETWEEN r.s AND r.e)::int AS n FROM unnest($1::bigint[], $2::bigint[]) AS r(s, e)`,
    [`{${plan.ranges.map((r) => r.start).join(",")}}`, `{${plan.ranges.map((r) => r.end).join(",")}}`],
  );
  const sorted = counts.rows.map((r) => r.n).sort((a, b) => a - b);
  const covered = sorted.reduce((a, b) => a + b, 0);
  const tiles = plan.ranges.every((r, i) => i === 0 || r.start === (plan?.ranges[i - 1]?.end ?? 0n) + 1n);
  const exact = tiles && plan.ranges[0]?.start === BigInt(lo) && plan.ranges.at(-1)?.end === BigInt(hi) && String(covered) === n;
  const [visible] = (
    await client.query<{ share: number }>("SELECT (relallvisible::float8 / greatest(relpages, 1))::float8 AS share FROM pg_class WHERE oid = $1::regclass", [table])
  ).rows;
  const figures: PlanningFigures = {
    rows: Number(n),
    rowsPerRange: RPR,
    seconds: median(times),
    runs: times.map((t) => Math.round(t * 1000) / 1000),
    ranges: plan.ranges.length,
    rowsPerRangeCounted: { max: sorted.at(-1) ?? 0, median: sorted[Math.floor(sorted.length / 2)] ?? 0, min: sorted[0] ?? 0 },
    maxVsTarget: Math.round(((sorted.at(-1) ?? 0) / RPR) * 1000) / 1000,
    allVisible: Math.round((visible?.share ?? 0) * 100) / 100,
    coverage: exact ? "exact" : "broken",
  };
  say(`${n} rows over [${lo}, ${hi}], rowsPerRange ${RPR}, statistics: ${plan.source}, pages all-visible: ${figures.allVisible * 100}%`);
  say(`planning: ${figures.seconds}s median of ${figures.runs.join(", ")}`);
  say(`ranges: ${figures.ranges}; rows per range max ${figures.rowsPerRangeCounted.max} (${figures.maxVsTarget}× the target), median ${figures.rowsPerRangeCounted.median}, min ${figures.rowsPerRangeCounted.min}`);
  say(`coverage: ${figures.coverage}, rows covered ${covered} of ${n}`);
  say(`wrote ${await writePlanning(ROOT, figures)}`);
  if (!exact || figures.maxVsTarget > MAX_VS_TARGET) process.exitCode = 1;
} finally {
  await client.end();
  await db.stop();
}
