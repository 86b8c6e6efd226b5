/**
 * No key (keyType "ctid"): page ranges read by TID Range Scans.
 *
 * What the mode promises (docs/keys.md), tested here:
 * - a table at rest is covered exactly, dead rows of an unvacuumed DELETE
 *   included (they are on the pages, and no range counts them);
 * - while rows are updated during the run, a row not updated (or deleted) is
 *   counted exactly once, and a row updated n times is counted from 0 to
 *   n + 1 times: an UPDATE writes the new version at a new ctid, which a
 *   range may read before or after the one that held the old version.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { withConnection } from "../src/db/connector";
import { buildQuery, fragment, Identifier } from "../src/db/sql";
import type { DryRun } from "../src/planning/dry-run";
import { api, allRanges, getRun, query, startRun, waitForRun } from "./helpers";
import { coverage, leaves, whereOf } from "./coverage";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function post(job: string, body: unknown): Promise<{ status: number; error?: { code: string; message: string } }> {
  const res = await api(`/api/jobs/${job}/runs`, { method: "POST", body: JSON.stringify(body) });
  const json = (await res.json()) as { error?: { code: string; message: string } };
  return { status: res.status, error: json.error };
}

async function pages(table: string): Promise<number> {
  const [row] = await query<{ n: number }>(`SELECT (pg_relation_size($1::regclass) / current_setting('block_size')::int)::int AS n`, [table]);
  return row?.n ?? 0;
}

beforeAll(async () => {
  await query("DROP TABLE IF EXISTS audit_log, t_ctid_dead, t_ctid_upd");
  await query("CREATE TABLE audit_log (entry jsonb NOT NULL)");
  await query(
    `INSERT INTO audit_log (entry)
     SELECT jsonb_build_object('seq', g, 'action', (ARRAY['login', 'logout', 'update'])[1 + g % 3]) FROM generate_series(1, 20000) g`,
  );
  await query("ANALYZE audit_log");
});

describe("ctid page ranges", () => {
  it("audit-count counts a table with no key and no index exactly; the window is its pages at plan time", async () => {
    const run = await waitForRun((await startRun("audit-count", { rowsPerRange: 2_000, concurrency: 4 })).runId);
    expect(run.status, JSON.stringify(run.errors).slice(0, 500)).toBe("succeeded");
    expect(run.result).toEqual({ rows: 20_000 });
    expect(run.keyType).toBe("ctid");
    expect(run.bounds).toMatchObject({ start: "(0,0)", end: `(${(await pages("audit_log")) - 1},65535)`, endInclusive: true });
    const ranges = leaves(await allRanges(run.runId));
    expect(ranges.length).toBeGreaterThanOrEqual(8);
    expect(ranges.every((r, i) => i === ranges.length - 1 || (r.end?.endsWith(",0)") && !r.endInclusive))).toBe(true);
    expect(await coverage("audit_log", "ctid", ranges)).toEqual({ rows: 20_000, missed: 0, doubled: 0 });
  });

  it("a range's query reads its pages with a Tid Range Scan", async () => {
    const run = await waitForRun((await startRun("audit-count", { rowsPerRange: 2_000, canary: false })).runId);
    const [, second] = leaves(await allRanges(run.runId));
    if (!second) throw new Error("no second range");
    const q = buildQuery(["EXPLAIN SELECT count(*) FROM audit_log WHERE ", ""], [whereOf(new Identifier("ctid"), second)]);
    const plan = (await query<{ "QUERY PLAN": string }>(q.text, q.values)).map((r) => r["QUERY PLAN"]).join("\n");
    expect(plan).toMatch(/Tid Range Scan on audit_log/);
    expect(plan).not.toMatch(/Seq Scan/);
  });

  it("explicit bounds are inclusive row positions", async () => {
    const run = await waitForRun((await startRun("audit-count", { start: "(10,0)", end: "(20,0)", rowsPerRange: 500 })).runId);
    expect(run.status).toBe("succeeded");
    const [row] = await query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE ctid >= '(10,0)' AND ctid <= '(20,0)'");
    expect(run.result).toEqual({ rows: row?.n });
    expect(row?.n).toBeGreaterThan(0);
  });

  it("a table with many dead rows after a large DELETE, not vacuumed: the count and total equal SQL", async () => {
    await query("CREATE TABLE t_ctid_dead (id bigint NOT NULL, amount numeric(12,2)) WITH (autovacuum_enabled = false)");
    await query("INSERT INTO t_ctid_dead SELECT g, CASE WHEN g % 13 = 0 THEN NULL ELSE (g % 1000) / 100.0 + 0.01 END FROM generate_series(1, 40000) g");
    await query("ANALYZE t_ctid_dead");
    await query("DELETE FROM t_ctid_dead WHERE id % 10 <> 3 OR id BETWEEN 10000 AND 20000");
    const [dead] = await query<{ dead: number; live: number }>(
      "SELECT n_dead_tup::int AS dead, n_live_tup::int AS live FROM pg_stat_user_tables WHERE relname = 't_ctid_dead'",
    );
    const [truth] = await query<{ rows: number; total: string }>("SELECT count(*)::int AS rows, coalesce(sum(amount), 0)::text AS total FROM t_ctid_dead");
    expect(truth?.rows).toBe(3000);
    // Stale statistics (40,000 rows) and pages full of dead rows: the plan is off, the count is not.
    const run = await waitForRun((await startRun("test-ctid-sum", { rowsPerRange: 1_000, concurrency: 3 })).runId);
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual({ rows: truth?.rows, totalAmount: truth?.total });
    expect(await coverage("t_ctid_dead", "ctid", leaves(await allRanges(run.runId)))).toEqual({ rows: 3000, missed: 0, doubled: 0 });
    expect(dead?.dead ?? 0, JSON.stringify(dead)).toBeGreaterThan(30_000);
  });
});

describe("ctid under concurrent UPDATEs", () => {
  it("a row not updated during the run is counted exactly once; a row updated n times, 0 to n + 1 times", async () => {
    // Full pages, then an empty stretch in the middle (a deleted, vacuumed block): an
    // updated row cannot stay on its page and moves, often into another range.
    await query("CREATE TABLE t_ctid_upd (id int NOT NULL, v int NOT NULL DEFAULT 0, pad text NOT NULL) WITH (autovacuum_enabled = false)");
    await query("INSERT INTO t_ctid_upd (id, pad) SELECT g, repeat(md5(g::text), 6) FROM generate_series(1, 6000) g");
    await query("DELETE FROM t_ctid_upd WHERE id BETWEEN 2501 AND 3500");
    await query("VACUUM t_ctid_upd");
    const ids = (await query<{ id: number }>("SELECT id FROM t_ctid_upd ORDER BY id")).map((r) => r.id);
    const updated = new Set(ids.filter((id) => id % 7 === 0));

    const started = await startRun("test-ctid-counts", { rowsPerRange: 100, concurrency: 2, canary: false, params: { sleepMs: 40 } });
    let rounds = 0;
    let during = 0;
    const batch = [...updated];
    await withConnection(env, async (c) => {
      for (let i = 0; ; i = (i + 25) % batch.length) {
        const running = (await getRun(started.runId)).status === "running";
        if (!running) break;
        const r = await c.query("UPDATE t_ctid_upd SET v = v + 1 WHERE id = ANY($1::int[]) RETURNING id", [batch.slice(i, i + 25)]);
        during += r.rows.length;
        rounds++;
        await sleep(10);
      }
    });
    const run = await waitForRun(started.runId);
    expect(run.status, JSON.stringify(run.errors).slice(0, 500)).toBe("succeeded");
    expect(rounds, "the updates ran while the run did").toBeGreaterThan(10);
    expect(during).toBeGreaterThan(updated.size / 2);

    const seen = (run.result as { seen: Record<string, number> }).seen;
    const versions = new Map((await query<{ id: number; v: number }>("SELECT id, v FROM t_ctid_upd")).map((r) => [r.id, r.v]));
    const wrong: string[] = [];
    const tally: Record<number, number> = {};
    for (const id of ids) {
      const n = seen[String(id)] ?? 0;
      if (!updated.has(id)) {
        if (n !== 1) wrong.push(`id ${id} (not updated) seen ${n} times`);
        continue;
      }
      tally[n] = (tally[n] ?? 0) + 1;
      const v = versions.get(id) ?? 0;
      if (n > v + 1) wrong.push(`id ${id} (updated ${v} times) seen ${n} times`);
    }
    expect(wrong.slice(0, 10), `${wrong.length} rows broke the promise`).toEqual([]);
    expect(Object.keys(seen).every((id) => versions.has(Number(id)))).toBe(true);
    expect(Object.values(tally).reduce((a, b) => a + b, 0)).toBe(updated.size);
  });
});

describe("ctid at the API", () => {
  it.each([[{ start: "(1,x)" }], [{ end: "5" }], [{ start: 5 }], [{ start: "(9,0)", end: "(1,0)" }], [{ split: "uniform" }]])("refuses %j with a 400", async (body) => {
    expect((await post("audit-count", body)).status).toBe(400);
  });

  it("a dry run plans page ranges and samples the first", async () => {
    const res = await api("/api/jobs/audit-count/runs", { method: "POST", body: JSON.stringify({ dryRun: true, rowsPerRange: 5_000 }) });
    expect(res.status).toBe(200);
    const plan = (await res.json()) as DryRun;
    expect(plan.firstRange).toMatchObject({ start: "(0,0)", endInclusive: false, nulls: false });
    expect(plan.ranges).toBeGreaterThanOrEqual(3);
    const q = buildQuery(["SELECT count(*)::int AS n FROM audit_log WHERE ", ""], [fragment`ctid >= ${plan.firstRange?.start ?? ""} AND ctid < ${plan.firstRange?.end ?? ""}`]);
    const [first] = await query<{ n: number }>(q.text, q.values);
    expect(plan.sample && "result" in plan.sample ? plan.sample.result : null).toEqual({ rows: first?.n });
    expect(plan.sql?.[0]).toMatch(/"ctid" >= \$1 AND "ctid" < \$2/);
  });

  it("a canary runs the first page ranges, then the rest", async () => {
    const started = await startRun("audit-count", { rowsPerRange: 2_000, canary: 2 });
    expect(started.phase).toBe("canary");
    const run = await waitForRun(started.runId);
    expect(run.status).toBe("succeeded");
    expect(run.canary).toMatchObject({ ranges: 2, done: 2, failed: 0 });
    expect(run.result).toEqual({ rows: 20_000 });
  });
});
