/**
 * Time keys end to end (workerd, real Postgres): `events-total` over its demo
 * data (a burst of most rows within one hour, 25,000 rows at one
 * microsecond, NULL timestamps), clock-hour windows, `±infinity` on a
 * `timestamp` column, and a `date` key. Every run's result is compared with
 * one SQL statement, and its coverage checked by SQL.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { SEED_SQL as EVENTS_SEED, TRUTH_SQL as EVENTS_TRUTH } from "../dev/stack/examples/events-data";
import { withConnection } from "../src/db/connector";
import { buildQuery, Identifier } from "../src/db/sql";
import type { DryRun } from "../src/planning/dry-run";
import { timeTextOf } from "../src/planning/keys/time";
import { runCoverage } from "./coverage";
import { api, query, startRun, waitForRun } from "./helpers";

const DUP = "2026-11-20T14:30:00.123456Z";

async function eventsTruth(where = "true", values: unknown[] = []) {
  const [row] = await query<{ rows: string; total: string }>(`${EVENTS_TRUTH} WHERE ${where}`, values);
  return { rows: Number(row?.rows), totalAmount: row?.total };
}

async function sumTruth(table: string) {
  const [row] = await query<{ rows: string; total: string }>(`SELECT count(*)::text AS rows, coalesce(sum(amount), 0)::numeric(30,2)::text AS total FROM ${table}`);
  return { rows: Number(row?.rows), totalAmount: row?.total };
}

async function refused(job: string, body: Record<string, unknown>): Promise<{ status: number; code: string; message: string }> {
  const res = await api(`/api/jobs/${job}/runs`, { method: "POST", body: JSON.stringify(body) });
  const { error } = (await res.json()) as { error: { code: string; message: string } };
  return { status: res.status, ...error };
}

beforeAll(async () => {
  for (const statement of EVENTS_SEED) await query(statement);
  await query("DROP TABLE IF EXISTS k_ts, k_date");
  await query("CREATE TABLE k_ts (at timestamp, amount numeric(12,2))");
  await query(`INSERT INTO k_ts SELECT '2026-03-01 00:00:00'::timestamp + g * interval '7 seconds 1 microsecond', round((g % 997) / 10.0, 2)
               FROM generate_series(1, 40000) g`);
  await query("INSERT INTO k_ts VALUES ('-infinity', 1.01), ('-infinity', 2.02), ('infinity', 3.03), (NULL, 4.04), (NULL, NULL)");
  // Rows on the day boundaries the uniform split cuts at, and next to them: a `<` for a `<=` shows.
  await query(`INSERT INTO k_ts SELECT d + o * interval '1 microsecond', 0.5 FROM generate_series('2026-03-02'::timestamp, '2026-03-04', '1 day') d, generate_series(-1, 1) o`);
  await query("CREATE INDEX ON k_ts (at)");
  await query("CREATE TABLE k_date (d date, amount numeric(12,2))");
  await query(`INSERT INTO k_date SELECT '2025-01-01'::date + (g % 700), round((g % 1009) / 100.0, 2) FROM generate_series(1, 30000) g`);
  await query("INSERT INTO k_date VALUES (NULL, 9.99), ('infinity', 0.01)");
  await query("DROP TABLE IF EXISTS k_date_unindexed");
  await query("CREATE TABLE k_date_unindexed AS SELECT * FROM k_date");
  await query("INSERT INTO k_date_unindexed SELECT '2025-06-01', 0.07 FROM generate_series(1, 5000)");
  await query("CREATE INDEX ON k_date (d)");
  await query("ANALYZE k_ts");
  await query("ANALYZE k_date");
});

describe("timestamptz keys: events-total over a burst, duplicates and NULLs", () => {
  it("balanced: exact result, the NULL range covered, no row in two ranges, the one-value range kept whole and marked", async () => {
    const run = await waitForRun((await startRun("events-total", { rowsPerRange: 5_000, canary: false })).runId);
    expect(run.status, JSON.stringify(run.errors)).toBe("succeeded");
    expect(run.result).toEqual(await eventsTruth());
    const c = await runCoverage(run.runId, "events", "at");
    expect([c.uncovered, c.twice]).toEqual([0, 0]);
    const [nulls] = await query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE at IS NULL");
    expect(c.leaves.at(-1)).toMatchObject({ nulls: true, start: null, end: null, counted: nulls?.n });
    const big = c.leaves.filter((l) => l.oversized);
    expect(big).toEqual([expect.objectContaining({ start: DUP, counted: 25_000, estimatedRows: 25_000, status: "done" })]);
    expect(run.ranges.oversized).toBe(1);
    // Cuts fall between distinct values: no other range is over 2x the target.
    expect(Math.max(...c.leaves.filter((l) => !l.oversized && !l.nulls).map((l) => l.counted))).toBeLessThanOrEqual(10_000);
    // Keys show in their canonical text form.
    for (const l of c.leaves.filter((x) => !x.nulls)) expect(l.start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it("hourly windows (split uniform, width PT1H): one range per clock hour, exact result", async () => {
    // Half past: the first range runs to the next clock hour, then one range per hour.
    const window = { start: "2026-11-19T23:30:00Z", end: "2026-11-20T23:59:59.999999Z" };
    const run = await waitForRun((await startRun("events-total", { ...window, split: "uniform", width: "PT1H", canary: false })).runId);
    expect(run.status, JSON.stringify(run.errors)).toBe("succeeded");
    expect(run.result).toEqual(await eventsTruth("at BETWEEN $1 AND $2", [window.start, window.end]));
    const c = await runCoverage(run.runId, "events", "at", "at BETWEEN '2026-11-19T23:30:00Z' AND '2026-11-20T23:59:59.999999Z'");
    expect([c.uncovered, c.twice]).toEqual([0, 0]);
    const hours = Array.from({ length: 24 }, (_, h) => `2026-11-20T${String(h).padStart(2, "0")}:00:00.000000Z`);
    expect(c.leaves.map((l) => l.start)).toEqual(["2026-11-19T23:30:00.000000Z", ...hours]);
    expect(c.leaves.map((l) => l.end)).toEqual([...hours, "2026-11-20T23:59:59.999999Z"]);
    const perHour = await query<{ n: number }>(
      `SELECT count(e.at)::int AS n FROM generate_series('2026-11-19T23:00:00Z'::timestamptz, '2026-11-20T23:00:00Z', '1 hour') h
       LEFT JOIN events e ON date_trunc('hour', e.at) = h AND e.at >= '2026-11-19T23:30:00Z' GROUP BY h ORDER BY h`,
    );
    expect(c.leaves.map((l) => l.counted)).toEqual(perHour.map((r) => r.n));
  });

  it("daily windows over the whole table, with the NULL range last", async () => {
    const run = await waitForRun((await startRun("events-total", { split: "uniform", width: "P1D", canary: false })).runId);
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual(await eventsTruth());
    const c = await runCoverage(run.runId, "events", "at");
    expect([c.uncovered, c.twice]).toEqual([0, 0]);
    expect(c.leaves.at(-1)?.nulls).toBe(true);
    for (const l of c.leaves.slice(1, -2)) expect(l.start).toMatch(/T00:00:00\.000000Z$/);
  });

  it("refuses a width that makes too many ranges with a 400 too_many_ranges", async () => {
    const r = await refused("events-total", { split: "uniform", width: "PT0.000001S" });
    expect(r).toMatchObject({ status: 400, code: "too_many_ranges" });
  });

  it("dry run and canary", async () => {
    const res = await api("/api/jobs/events-total/runs", { method: "POST", body: JSON.stringify({ dryRun: true, split: "uniform", width: "PT6H" }) });
    expect(res.status).toBe(200);
    const plan = (await res.json()) as DryRun;
    expect(plan.firstRange).toMatchObject({ start: expect.stringMatching(/^2026-10-21T0[0-5]:\d\d:\d\d\.\d{6}Z$/) as string, end: "2026-10-21T06:00:00.000000Z", endInclusive: false });
    expect(plan.sample).toMatchObject({ result: { rows: expect.any(Number) as number } });
    const run = await waitForRun((await startRun("events-total", { rowsPerRange: 5_000, canary: 2 })).runId);
    expect(run.status).toBe("succeeded");
    expect(run.canary).toMatchObject({ ranges: 2, done: 2, failed: 0 });
    expect(run.result).toEqual(await eventsTruth());
  });

  it.each([
    ["a month 13", { start: "2026-13-01T00:00:00Z" }],
    ["February 30", { end: "2026-02-30" }],
    ["seven decimals", { start: "2026-11-27T10:00:00.1234567Z" }],
    ["a BC year", { start: "0044-03-15 BC" }],
    ["a number", { start: 1_700_000_000 }],
    ["a width in months", { split: "uniform", width: "P1M" }],
    ["no width for a uniform split", { split: "uniform" }],
  ])("refuses %s with a 400", async (_, body) => {
    expect(await refused("events-total", body)).toMatchObject({ status: 400, code: "invalid_body" });
  });

  it("writes a key's text the same whatever the session's TimeZone and DateStyle", async () => {
    const v = new Identifier("v");
    const texts = await withConnection(env, async (client) => {
      await client.query("SET TimeZone = 'Asia/Kolkata'");
      await client.query("SET DateStyle = 'SQL, DMY'");
      const out: string[] = [];
      for (const [kind, value] of [["timestamptz", "2026-11-27 10:00:00.5+00"], ["timestamp", "2026-11-27 10:00:00.000001"], ["date", "2026-11-27"], ["timestamptz", "-infinity"]] as const) {
        const q = buildQuery(["SELECT ", ` AS t FROM (SELECT $1::${kind} AS v) x`], [timeTextOf(kind)(v)]);
        q.values.push(value);
        out.push(((await client.query(q.text, q.values)).rows[0] as { t: string }).t);
      }
      await client.query("RESET TimeZone");
      await client.query("RESET DateStyle");
      return out;
    });
    expect(texts).toEqual(["2026-11-27T10:00:00.500000Z", "2026-11-27T10:00:00.000001", "2026-11-27", "-infinity"]);
  });
});

describe("timestamp keys (without time zone), with ±infinity", () => {
  it.each(["balanced", "uniform"])("%s: -infinity in the first range, infinity in the last, exact result and coverage", async (split) => {
    const run = await waitForRun((await startRun("test-ts", { split, width: split === "uniform" ? "P1D" : undefined, canary: false })).runId);
    expect(run.status, JSON.stringify(run.errors)).toBe("succeeded");
    expect(run.result).toEqual(await sumTruth("k_ts"));
    expect(run.bounds).toMatchObject({ start: "-infinity", end: "infinity" });
    const c = await runCoverage(run.runId, "k_ts", "at");
    expect([c.uncovered, c.twice]).toEqual([0, 0]);
    expect(c.leaves[0]?.start).toBe("-infinity");
    expect(c.leaves.at(-2)).toMatchObject({ end: "infinity", endInclusive: true });
    expect(c.leaves.at(-1)).toMatchObject({ nulls: true, counted: 2 });
    if (split === "uniform") expect(c.leaves.map((l) => l.start).slice(1, 4)).toEqual(["2026-03-02T00:00:00.000000", "2026-03-03T00:00:00.000000", "2026-03-04T00:00:00.000000"]);
  });

  it("reads a bound without an offset as UTC, and one with an offset converted to UTC", async () => {
    const run = await waitForRun((await startRun("test-ts", { start: "2026-03-01T12:00:00+02:00", end: "2026-03-02 10:00", canary: false })).runId);
    expect(run.bounds).toMatchObject({ start: "2026-03-01T10:00:00.000000", end: "2026-03-02T10:00:00.000000", endInclusive: true });
    const [row] = await query<{ rows: string; total: string }>(
      "SELECT count(*)::text AS rows, coalesce(sum(amount), 0)::numeric(30,2)::text AS total FROM k_ts WHERE at BETWEEN '2026-03-01 10:00' AND '2026-03-02 10:00'",
    );
    expect(run.result).toEqual({ rows: Number(row?.rows), totalAmount: row?.total });
  });

  it("dry run and canary", async () => {
    const res = await api("/api/jobs/test-ts/runs", { method: "POST", body: JSON.stringify({ dryRun: true }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as DryRun).firstRange).toMatchObject({ start: "-infinity", endInclusive: false });
    const run = await waitForRun((await startRun("test-ts", { canary: 2 })).runId);
    expect(run).toMatchObject({ status: "succeeded", canary: { ranges: 2, done: 2 } });
    expect(run.result).toEqual(await sumTruth("k_ts"));
  });
});

describe("date keys", () => {
  it.each(["balanced", "uniform"])("%s: exact result and coverage", async (split) => {
    const run = await waitForRun((await startRun("test-date", { split, width: split === "uniform" ? "P7D" : undefined, canary: false })).runId);
    expect(run.status, JSON.stringify(run.errors)).toBe("succeeded");
    expect(run.result).toEqual(await sumTruth("k_date"));
    const c = await runCoverage(run.runId, "k_date", "d");
    expect([c.uncovered, c.twice]).toEqual([0, 0]);
    expect(c.leaves[0]?.start).toBe("2025-01-01");
    expect(c.leaves.at(-2)?.end).toBe("infinity");
  });

  it("balanced without an index (allowUnindexedKey): cut by one sort, the one-value range kept whole and marked", async () => {
    const run = await waitForRun((await startRun("test-date-unindexed", { canary: false })).runId);
    expect(run.status, JSON.stringify(run.errors)).toBe("succeeded");
    expect(run.result).toEqual(await sumTruth("k_date_unindexed"));
    const c = await runCoverage(run.runId, "k_date_unindexed", "d");
    expect([c.uncovered, c.twice]).toEqual([0, 0]);
    expect(c.leaves.filter((l) => l.oversized)).toEqual([expect.objectContaining({ start: "2025-06-01", counted: 5_043 })]);
    expect(Math.max(...c.leaves.filter((l) => !l.oversized && !l.nulls).map((l) => l.counted))).toBeLessThanOrEqual(4_000);
  });

  it("dry run and canary", async () => {
    const res = await api("/api/jobs/test-date/runs", { method: "POST", body: JSON.stringify({ dryRun: true, rowsPerRange: 300, start: "2025-02-01", end: "2025-03-01" }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as DryRun).firstRange).toMatchObject({ start: "2025-02-01" });
    const run = await waitForRun((await startRun("test-date", { canary: 1, rowsPerRange: 300, start: "2025-02-01", end: "2025-03-01" })).runId);
    expect(run).toMatchObject({ status: "succeeded", canary: { ranges: 1, done: 1 } });
    const [row] = await query<{ rows: string; total: string }>(
      "SELECT count(*)::text AS rows, coalesce(sum(amount), 0)::numeric(30,2)::text AS total FROM k_date WHERE d BETWEEN '2025-02-01' AND '2025-03-01'",
    );
    expect(run.result).toEqual({ rows: Number(row?.rows), totalAmount: row?.total });
  });

  it.each([
    ["a time of day", { start: "2026-11-27T10:00:00" }],
    ["February 30", { start: "2026-02-30" }],
    ["a width under a day", { split: "uniform", width: "PT1H" }],
    ["a width in years", { split: "uniform", width: "P1Y" }],
  ])("refuses %s with a 400", async (_, body) => {
    expect(await refused("test-date", body)).toMatchObject({ status: 400, code: "invalid_body" });
  });
});
