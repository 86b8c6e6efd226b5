/**
 * A scheduled run over the previous day (`scheduleWindow: "P1D"` on a
 * timestamptz key), through the Worker's real `scheduled` handler at a day
 * boundary: the run covers [D−1 00:00, D 00:00), so a row at exactly
 * midnight is in one day's run and never in two, and the next day's run
 * picks it up.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../src/index";
import { scheduledRunId } from "../src/runs/run-id";
import { runCoverage } from "./coverage";
import { query, waitForRun } from "./helpers";
import { DAY_WINDOW_CRON } from "./jobs/keys-time";

const D = Date.parse("2026-11-27T00:00:00Z");

async function fire(scheduledTime: number): Promise<string> {
  const controller = createScheduledController({ cron: DAY_WINDOW_CRON, scheduledTime });
  const ctx = createExecutionContext();
  await worker.scheduled(controller, env, ctx);
  await waitOnExecutionContext(ctx);
  return scheduledRunId("test-day-window", new Date(scheduledTime).toISOString());
}

async function truth(from: string, to: string) {
  const [row] = await query<{ rows: string; total: string }>(
    "SELECT count(*)::text AS rows, coalesce(sum(amount), 0)::numeric(30,2)::text AS total FROM k_day WHERE at >= $1 AND at < $2",
    [from, to],
  );
  return { rows: Number(row?.rows), totalAmount: row?.total };
}

beforeAll(async () => {
  await query("DROP TABLE IF EXISTS k_day");
  await query("CREATE TABLE k_day (at timestamptz, amount numeric(12,2))");
  await query(`INSERT INTO k_day VALUES
    ('2026-11-25T23:59:59.999999Z', 1000.00),
    ('2026-11-26T00:00:00.000000Z', 1.00),
    ('2026-11-26T23:59:59.999999Z', 2.00),
    ('2026-11-27T00:00:00.000000Z', 4.00),
    ('2026-11-27T00:00:00.000001Z', 8.00),
    ('2026-11-27T23:59:59.999999Z', 16.00),
    ('2026-11-28T00:00:00.000000Z', 2000.00),
    (NULL, 5000.00)`);
  // Enough rows inside each day for several ranges, so the window's last range is one of many.
  await query(`INSERT INTO k_day SELECT '2026-11-26T00:00:00Z'::timestamptz + g * interval '13 seconds', 0.01 FROM generate_series(1, 6000) g`);
  await query(`INSERT INTO k_day SELECT '2026-11-27T00:00:00Z'::timestamptz + g * interval '17 seconds', 0.10 FROM generate_series(1, 5000) g`);
  await query("CREATE INDEX ON k_day (at)");
  await query("ANALYZE k_day");
});

describe("a scheduled previous-day window", () => {
  it("fired just after midnight, covers [D-1 00:00, D 00:00): midnight of D-1 in, midnight of D out, and D's run takes it", async () => {
    // A second past midnight, varied so a rerun on the same storage is a new slot.
    const after = 1_000 * (1 + Math.floor(Math.random() * 50));
    const first = await waitForRun(await fire(D + after));
    expect(first.status, JSON.stringify(first.errors)).toBe("succeeded");
    expect(first.bounds).toEqual({ start: "2026-11-26T00:00:00.000000Z", end: "2026-11-27T00:00:00.000000Z", endInclusive: false, endFromSnapshot: false });
    expect(first.result).toEqual(await truth("2026-11-26T00:00:00Z", "2026-11-27T00:00:00Z"));
    // 6,000 rows of the day, its first and its last microsecond; not the midnight after it, nor NULL keys.
    expect(first.result).toEqual({ rows: 6_002, totalAmount: "63.00" });
    const c = await runCoverage(first.runId, "k_day", "at", "at >= '2026-11-26T00:00:00Z' AND at < '2026-11-27T00:00:00Z'");
    expect([c.uncovered, c.twice]).toEqual([0, 0]);
    expect(c.leaves.length).toBeGreaterThan(1);
    expect(c.leaves.at(-1)).toMatchObject({ end: "2026-11-27T00:00:00.000000Z", endInclusive: false, nulls: false });
    expect(c.leaves.reduce((n, l) => n + l.counted, 0)).toBe(6_002);

    const next = await waitForRun(await fire(D + 86_400_000 + after));
    expect(next.bounds).toMatchObject({ start: "2026-11-27T00:00:00.000000Z", end: "2026-11-28T00:00:00.000000Z", endInclusive: false });
    expect(next.result).toEqual(await truth("2026-11-27T00:00:00Z", "2026-11-28T00:00:00Z"));
    expect(next.result).toEqual({ rows: 5_003, totalAmount: "528.00" });
  });
});
