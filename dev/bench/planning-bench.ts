/**
 * The planning benchmark, shared by `npm run bench:planning` and `npm run
 * bench`: the balanced split of a skewed key space (a dense block, negative
 * ids, a sparse tail up to 9e18 and the largest bigint), timed, then every
 * planned range counted by SQL: max, median, min, and the coverage check.
 *
 * It runs the Worker's own planner (src/planning/balanced.ts) from Node over
 * the `pg` driver, with extra sessions opened as plan.ts opens them, so the
 * figure is the planner's work against Postgres, not the proxy's. The table
 * is made once in the benchmark Postgres and reused.
 */
import pg from "pg";
import { Identifier, sqlOf } from "../../src/db/sql.js";
import { planBalanced } from "../../src/planning/balanced.js";
import type { MoreSessions } from "../../src/planning/keys/key-type.js";
import { median, type PlanningFigures } from "./report.js";

/** The evenness the planner keeps: no range over 1.25× the rows asked for, by SQL's count. */
export const MAX_VS_TARGET = 1.25;

/** Plans `rows` skewed rows in ranges of `rowsPerRange` on the database at `url`, three times, and checks the plan. */
export async function benchPlanning(url: string, rows: number, rowsPerRange: number, say: (line: string) => void): Promise<PlanningFigures> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  /** What plan.ts gives the planner for a run of concurrency 4 or more: another session, opened for one piece of work. */
  const more: MoreSessions = async (fn) => {
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      return await fn(sqlOf(other));
    } finally {
      await other.end();
    }
  };
  try {
    const table = `skewed_${rows}`;
    const exists = (await client.query<{ t: string | null }>("SELECT to_regclass($1)::text AS t", [table])).rows[0]?.t;
    const have = exists ? Number((await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`)).rows[0]?.n) : -1;
    if (have !== rows) {
      const t = performance.now();
      const tail = 10_000;
      const negatives = 100_000;
      const dense = rows - tail - negatives - 1;
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
      plan = await planBalanced(sqlOf(client), new Identifier(table), new Identifier("id"), BigInt(lo), BigInt(hi), rowsPerRange, more);
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
      rowsPerRange,
      seconds: median(times),
      runs: times.map((t) => Math.round(t * 1000) / 1000),
      ranges: plan.ranges.length,
      rowsPerRangeCounted: { max: sorted.at(-1) ?? 0, median: sorted[Math.floor(sorted.length / 2)] ?? 0, min: sorted[0] ?? 0 },
      maxVsTarget: Math.round(((sorted.at(-1) ?? 0) / rowsPerRange) * 1000) / 1000,
      allVisible: Math.round((visible?.share ?? 0) * 100) / 100,
      coverage: exact ? "exact" : "broken",
    };
    say(`${n} rows over [${lo}, ${hi}], rowsPerRange ${rowsPerRange}, statistics: ${plan.source}, pages all-visible: ${figures.allVisible * 100}%`);
    say(`planning: ${figures.seconds}s median of ${figures.runs.join(", ")}`);
    say(`ranges: ${figures.ranges}; rows per range max ${figures.rowsPerRangeCounted.max} (${figures.maxVsTarget}× the target), median ${figures.rowsPerRangeCounted.median}, min ${figures.rowsPerRangeCounted.min}`);
    say(`coverage: ${figures.coverage}, rows covered ${covered} of ${n}`);
    return figures;
  } finally {
    await client.end();
  }
}
