/**
 * A dry run executes job code on the real database and must never persist a
 * write (docs/api.md, "Dry run"): its sample runs in a transaction that is
 * always rolled back, and the job's `sql` refuses the statements that could
 * escape it (src/db/statement-guard.ts).
 *
 * Regression: the sample ran in a READ ONLY session, so every writing job's
 * dry run failed with 25006 instead of showing its plan and timing.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { DryRun } from "../src/planning/dry-run";
import { api, query } from "./helpers";

async function dryRun(job: string, body: Record<string, unknown> = {}): Promise<DryRun> {
  const res = await api(`/api/jobs/${job}/runs`, { method: "POST", body: JSON.stringify({ dryRun: true, rowsPerRange: 1_000, ...body }) });
  expect(res.status).toBe(200);
  return (await res.json()) as DryRun;
}

async function scratchRows(): Promise<number> {
  const [row] = await query<{ n: number }>("SELECT count(*)::int AS n FROM dry_run_scratch WHERE run_id = 'dry-run'");
  return row?.n ?? -1;
}

beforeAll(async () => {
  await query("CREATE TABLE IF NOT EXISTS dry_run_scratch (run_id text NOT NULL, range_start bigint NOT NULL)");
  await query("DELETE FROM dry_run_scratch WHERE run_id = 'dry-run'");
});

describe("dry run of a job that writes", () => {
  it("samples the first range of a writing job and leaves no row behind", async () => {
    const plan = await dryRun("test-write");
    expect(plan.sample, JSON.stringify(plan.sample)).toMatchObject({ result: { rows: expect.any(Number) as number } });
    const sampled = plan.sample && "result" in plan.sample ? (plan.sample.result as { rows: number }).rows : 0;
    expect(sampled).toBeGreaterThan(0);
    expect(plan.sql?.some((s) => s.startsWith("INSERT INTO dry_run_scratch"))).toBe(true);
    expect(plan.projectedSeconds).not.toBeNull();
    expect(await scratchRows()).toBe(0);
  });

  it.each(["COMMIT", "/* sneaky */ end", "SELECT 1; COMMIT", "SET SESSION default_transaction_read_only = off", "CALL p()"])(
    "refuses a job's own %j with statement_refused, and persists nothing",
    async (statement) => {
      const plan = await dryRun("test-commit", { params: { statement } });
      expect(await scratchRows(), "rows the dry run left behind").toBe(0);
      expect(plan.sample, JSON.stringify(plan.sample)).toMatchObject({ error: { code: "statement_refused" } });
      expect(plan.sql?.at(-1)).toBe(statement.replace(/\s+/g, " "));
    },
  );
});
