/**
 * A job's own split and canary defaults (issue 10: jobs could not set them)
 * through the real Worker: `GET /api/jobs` shows them, a run without options
 * uses them (dry run and real run), and the run body overrides them. The job
 * is `test-defaults` (test/jobs/index.ts): uniform split, a canary of 3
 * ranges, over the 20,000-row `t_dense` fixture at 1,000 rows per range.
 */
import { describe, expect, it } from "vitest";
import { api, ordersTruth, startRun, waitForRun } from "./helpers";

const JOB = "test-defaults";

interface Listed {
  name: string;
  defaults: { split: string; canary: boolean | number; rowsPerRange: number };
}

async function dryRun(body: Record<string, unknown>): Promise<{ split: string; canaryRanges: number; ranges: number }> {
  const res = await api(`/api/jobs/${JOB}/runs`, { method: "POST", body: JSON.stringify({ dryRun: true, ...body }) });
  expect(res.status).toBe(200);
  return (await res.json()) as { split: string; canaryRanges: number; ranges: number };
}

describe("a job's split and canary defaults", () => {
  it("GET /api/jobs shows the job's own defaults, and the global ones for a job without", async () => {
    const res = await api("/api/jobs");
    expect(res.status).toBe(200);
    const { jobs } = (await res.json()) as { jobs: Listed[] };
    expect(jobs.find((j) => j.name === JOB)?.defaults).toMatchObject({ split: "uniform", canary: 3, rowsPerRange: 1_000 });
    expect(jobs.find((j) => j.name === "orders-total")?.defaults).toMatchObject({ split: "balanced", canary: true });
  });

  it("a dry run without options plans with them; the body overrides each", async () => {
    expect(await dryRun({ canary: false })).toMatchObject({ split: "uniform", canaryRanges: 0, ranges: 20 });
    expect(await dryRun({})).toMatchObject({ split: "uniform", canaryRanges: 3 });
    expect(await dryRun({ split: "balanced", canary: 1 })).toMatchObject({ split: "balanced", canaryRanges: 1 });
  });

  it("a run without options uses them", async () => {
    const started = await startRun(JOB);
    expect(started.options.split).toBe("uniform");
    expect(started.canary?.ranges).toBe(3);
    const run = await waitForRun(started.runId);
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual(await ordersTruth("t_dense"));
  });

  it("the run body overrides them", async () => {
    const started = await startRun(JOB, { split: "balanced", canary: false });
    expect(started.options.split).toBe("balanced");
    expect(started.canary).toBeNull();
    const run = await waitForRun(started.runId);
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual(await ordersTruth("t_dense"));
  });
});
