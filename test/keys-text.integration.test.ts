/**
 * Text keys (keyType "text"): cut by Postgres in the column's collation, and
 * read with predicates in that same collation, so every row is in exactly
 * one range whatever its case, accents, script or trailing spaces.
 *
 * The table's key is in an ICU collation (`und-x-icu`), whose order differs
 * from the bytes' (the test database's default is "C"): lower case before
 * upper, accents after the plain letter, `ß` beside `ss`, spaces ignored at
 * first. A planner that compared or sorted keys as bytes would cut ranges
 * whose predicates overlap and leave gaps; the coverage check below fails on
 * such cuts (and is shown to, on the same data). Coverage is checked on a
 * connection whose TimeZone and DateStyle are not UTC/ISO.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { withConnection } from "../src/db/connector";
import type { DryRun } from "../src/planning/dry-run";
import { api, allRanges, getRun, query, startRun, waitForRun } from "./helpers";
import { coverage, leaves } from "./coverage";

const WORDS = ["", " ", "  ", "a", "A", "a ", "á", "Á", "b", "B", "e", "é", "E", "É", "ss", "ß", "SS", "straße", "strasse", "Strasse",
  "日本", "日本語", "日", "z", "Z", "ñ", "n", "N", "prefix", "prefix-", "prefix_", "prefixa", "Prefix", "o", "ö", "Ö", "-", "_", "0", "9", "~"];

const NOT_UTC = "SET TimeZone = 'Asia/Kathmandu'; SET DateStyle = 'SQL, DMY'";

async function truth(where = "true", values: unknown[] = []) {
  const [row] = await query<{ rows: string; total: string }>(
    `SELECT count(*)::text AS rows, coalesce(sum(amount), 0)::text AS total FROM t_text_icu WHERE ${where}`,
    values,
  );
  return { rows: Number(row?.rows), totalAmount: row?.total };
}

async function post(job: string, body: unknown): Promise<{ status: number; body: { error?: { code: string; message: string } } & Record<string, unknown> }> {
  const res = await api(`/api/jobs/${job}/runs`, { method: "POST", body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
}

beforeAll(async () => {
  const [icu] = await query<{ n: number }>("SELECT count(*)::int AS n FROM pg_collation WHERE collname = 'und-x-icu'");
  expect(icu?.n, "the embedded Postgres ships ICU").toBe(1);
  await query("DROP TABLE IF EXISTS t_text_icu, t_varchar_key, t_text_noidx");
  await query(`CREATE TABLE t_text_icu (k text COLLATE "und-x-icu" PRIMARY KEY, amount numeric(12,2))`);
  await query(
    `INSERT INTO t_text_icu (k, amount)
     SELECT w || CASE WHEN n = 0 THEN '' WHEN n = 1 THEN ' ' WHEN n = 2 THEN '  ' WHEN n % 2 = 0 THEN lpad(n::text, 3, '0') ELSE ' ' || n END,
            CASE WHEN (i * 61 + n) % 13 = 0 THEN NULL ELSE round(((i * 7919 + n * 104729) % 100003) / 100.0 + 0.01, 2) END
     FROM unnest($1::text[]) WITH ORDINALITY AS w(w, i), generate_series(0, 59) AS n
     ON CONFLICT DO NOTHING`,
    [WORDS],
  );
  await query("ANALYZE t_text_icu");
  // A varchar key that may be NULL: the NULL rows get a range of their own.
  await query(`CREATE TABLE t_varchar_key (k varchar(40) COLLATE "en-x-icu", amount numeric(12,2))`);
  await query("CREATE INDEX ON t_varchar_key (k)");
  await query("INSERT INTO t_varchar_key SELECT k, amount FROM t_text_icu UNION ALL SELECT NULL, 1.50 FROM generate_series(1, 40)");
  await query("ANALYZE t_varchar_key");
  await query("DROP TABLE IF EXISTS customers");
  await query("CREATE TABLE customers (email text PRIMARY KEY, credit numeric(12,2))");
  await query(
    `INSERT INTO customers (email, credit)
     SELECT format('%s.%s@%s', (ARRAY['anna', 'Bob', 'émile', 'Zoë', 'straße', '日本', 'ann'])[1 + g % 7], g, (ARRAY['example.com', 'Example.org', 'mail.de'])[1 + g % 3]),
            CASE WHEN g % 11 = 0 THEN NULL ELSE round(((g * 7919) % 100003) / 100.0 + 0.01, 2) END
     FROM generate_series(1, 5000) AS g`,
  );
  await query("ANALYZE customers");
});

describe("text keys in an ICU collation", () => {
  it("the test data is adversarial: its collation order is not its byte order, and it holds the empty string and trailing spaces", async () => {
    const icu = (await query<{ k: string }>("SELECT k FROM t_text_icu ORDER BY k")).map((r) => r.k);
    const bytes = (await query<{ k: string }>(`SELECT k FROM t_text_icu ORDER BY k COLLATE "C"`)).map((r) => r.k);
    expect(icu).not.toEqual(bytes);
    expect(icu).toContain("");
    expect(icu).toContain("a  ");
    expect(icu.length).toBeGreaterThan(2_000);
  });

  it("a balanced run equals SQL, and every row is in exactly one leaf range on a session not in UTC", async () => {
    const run = await waitForRun((await startRun("test-text-sum", { rowsPerRange: 200, concurrency: 4 })).runId);
    expect(run.status, JSON.stringify(run.errors).slice(0, 500)).toBe("succeeded");
    expect(run.result).toEqual(await truth());
    const ranges = leaves(await allRanges(run.runId));
    expect(ranges.length).toBeGreaterThan(8);
    const [min] = await query<{ k: string }>("SELECT min(k) AS k FROM t_text_icu");
    expect(ranges[0]?.start).toBe(min?.k);
    const zone = await withConnection(env, async (c) => {
      await c.query(NOT_UTC);
      return ((await c.query("SELECT current_setting('TimeZone') AS tz")).rows[0] as { tz: string }).tz;
    });
    expect(zone).toBe("Asia/Kathmandu");
    expect(await coverage("t_text_icu", "k", ranges, NOT_UTC)).toEqual({ rows: run.result && (run.result as { rows: number }).rows, missed: 0, doubled: 0 });
  });

  it("the same check fails cuts made in byte order: a byte-compare planner would lose and double rows", async () => {
    const keys = (await query<{ k: string }>("SELECT k FROM t_text_icu")).map((r) => r.k).sort();
    const cuts = keys.filter((_, i) => i % 200 === 0);
    const byteRanges = cuts.map((start, i) => ({
      start, end: cuts[i + 1] ?? (keys.at(-1) as string), endInclusive: i + 1 === cuts.length, nulls: false,
    }));
    const c = await coverage("t_text_icu", "k", byteRanges, NOT_UTC);
    expect(c.missed + c.doubled).toBeGreaterThan(0);
  });

  it("a range that times out is cut by Postgres inside it and split; the run still equals SQL with exact coverage", async () => {
    const started = await startRun("test-text-sum", {
      rowsPerRange: 800, concurrency: 3, timeoutSeconds: 1, maxAttempts: 3, canary: false, params: { msPerRow: 2 },
    });
    const run = await waitForRun(started.runId);
    expect(run.status, JSON.stringify(run.errors).slice(0, 500)).toBe("succeeded");
    expect(run.result).toEqual(await truth());
    const all = await allRanges(run.runId);
    const split = all.filter((r) => r.status === "split");
    expect(split.length).toBeGreaterThan(0);
    for (const parent of split) {
      const [lo, hi] = all.filter((r) => r.parent === parent.id).sort((a, b) => (a.position < b.position ? -1 : 1));
      expect(lo?.start).toBe(parent.start);
      expect(lo?.end).toBe(hi?.start);
      expect(lo?.endInclusive).toBe(false);
      expect(hi?.end).toBe(parent.end);
      expect(hi?.endInclusive).toBe(parent.endInclusive);
      // The cut is strictly inside the parent, in the column's order.
      const [inside] = await query<{ ok: boolean }>(
        `SELECT $1::text COLLATE "und-x-icu" > $2::text AND (CASE WHEN $4 THEN $1::text COLLATE "und-x-icu" <= $3::text ELSE $1::text COLLATE "und-x-icu" < $3::text END) AS ok`,
        [lo?.end, parent.start, parent.end, parent.endInclusive],
      );
      expect(inside?.ok, `cut ${JSON.stringify(lo?.end)} of [${JSON.stringify(parent.start)}, ${JSON.stringify(parent.end)}]`).toBe(true);
    }
    expect(await coverage("t_text_icu", "k", leaves(all), NOT_UTC)).toMatchObject({ missed: 0, doubled: 0 });
  });

  it("explicit bounds are inclusive and compared in the column's collation", async () => {
    const run = await waitForRun((await startRun("test-text-sum", { start: "a", end: "É", rowsPerRange: 100 })).runId);
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual(await truth(`k >= $1 AND k <= $2`, ["a", "É"]));
    // "B" > "b" in ICU order (lower case first), though "B" < "b" as bytes.
    const reversed = await post("test-text-sum", { start: "B", end: "b" });
    expect(reversed.status).toBe(400);
    expect(reversed.body.error?.code).toBe("invalid_bounds");
  });

  it("a nullable varchar key runs too, its NULL keys in a range of their own", async () => {
    const run = await waitForRun((await startRun("test-text-varchar", { rowsPerRange: 300 })).runId);
    expect(run.status).toBe("succeeded");
    const [row] = await query<{ rows: string; total: string }>("SELECT count(*)::text AS rows, coalesce(sum(amount), 0)::text AS total FROM t_varchar_key");
    expect(run.result).toEqual({ rows: Number(row?.rows), totalAmount: row?.total });
    const ranges = leaves(await allRanges(run.runId));
    expect(ranges.at(-1)).toMatchObject({ nulls: true, rows: 40 });
    expect(await coverage("t_varchar_key", "k", ranges, NOT_UTC)).toMatchObject({ missed: 0, doubled: 0 });
  });

  it("an unindexed key with repeated values: cut between distinct values by one sort", async () => {
    await query(`CREATE TABLE t_text_noidx (k text COLLATE "und-x-icu", amount numeric(12,2))`);
    await query("INSERT INTO t_text_noidx SELECT k, amount FROM t_text_icu, generate_series(1, 1 + length(k) % 3)");
    const run = await waitForRun((await startRun("test-text-unindexed", { rowsPerRange: 250 })).runId);
    expect(run.status).toBe("succeeded");
    const [row] = await query<{ rows: string; total: string }>("SELECT count(*)::text AS rows, coalesce(sum(amount), 0)::text AS total FROM t_text_noidx");
    expect(run.result).toEqual({ rows: Number(row?.rows), totalAmount: row?.total });
    const ranges = leaves(await allRanges(run.runId));
    expect(ranges.length).toBeGreaterThan(10);
    expect(await coverage("t_text_noidx", "k", ranges, NOT_UTC)).toEqual({ rows: Number(row?.rows), missed: 0, doubled: 0 });
  });

  it("the customers-total example equals SQL", async () => {
    const run = await waitForRun((await startRun("customers-total", { rowsPerRange: 700 })).runId);
    expect(run.status).toBe("succeeded");
    const [row] = await query<{ rows: string; total: string }>("SELECT count(*)::text AS rows, coalesce(sum(credit), 0)::text AS total FROM customers");
    expect(run.result).toEqual({ rows: Number(row?.rows), totalCredit: row?.total });
    expect(await coverage("customers", "email", leaves(await allRanges(run.runId)))).toEqual({ rows: 5000, missed: 0, doubled: 0 });
  });
});

describe("text keys at the API", () => {
  it.each([
    [{ start: "a\u0000b" }, /NUL/],
    [{ end: 42 }, /string/],
    [{ start: "x".repeat(5000) }, /./],
    [{ split: "uniform" }, /balanced/],
  ])("refuses %j with a 400", async (body, message) => {
    const res = await post("test-text-sum", body);
    expect(res.status).toBe(400);
    expect(res.body.error?.message).toMatch(message);
  });

  it("a job that declares integer over a text column gets 422 key_type_mismatch naming both types", async () => {
    const res = await post("sum-t-text-key", {});
    expect(res.status).toBe(422);
    expect(res.body.error?.code).toBe("key_type_mismatch");
    expect(res.body.error?.message).toMatch(/\btext\b/);
    expect(res.body.error?.message).toMatch(/\binteger\b/);
  });

  it("a dry run plans text ranges and samples the first", async () => {
    const res = await api("/api/jobs/test-text-sum/runs", { method: "POST", body: JSON.stringify({ dryRun: true, rowsPerRange: 500 }) });
    expect(res.status).toBe(200);
    const plan = (await res.json()) as DryRun;
    const [min] = await query<{ k: string }>("SELECT min(k) AS k FROM t_text_icu");
    expect(plan.firstRange).toMatchObject({ start: min?.k, endInclusive: false, nulls: false });
    expect(plan.ranges).toBeGreaterThan(3);
    const sampled = plan.sample && "result" in plan.sample ? (plan.sample.result as { rows: number }).rows : -1;
    const [first] = await query<{ n: number }>("SELECT count(*)::int AS n FROM t_text_icu WHERE k >= $1 AND k < $2", [plan.firstRange?.start, plan.firstRange?.end]);
    expect(sampled).toBe(first?.n);
  });

  it("a canary runs a first window of text ranges, then the rest", async () => {
    const started = await startRun("test-text-sum", { rowsPerRange: 300, canary: 2 });
    expect(started.phase).toBe("canary");
    const run = await waitForRun(started.runId);
    expect(run.status).toBe("succeeded");
    expect(run.canary).toMatchObject({ ranges: 2, done: 2, failed: 0 });
    expect(run.result).toEqual(await truth());
    expect((await getRun(run.runId)).keyType).toBe("text");
  });
});
