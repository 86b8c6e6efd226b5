/**
 * The cron trigger through the Worker's real `scheduled` handler: the job
 * whose schedule fired is started (and only it), a duplicate delivery of the
 * same trigger starts nothing new, and a run that would overlap the job's
 * previous one (running, or paused) is skipped and recorded in the history
 * (unless the job allows overlap).
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { scheduledRunId } from "../src/runs/run-id";
import type { HistoryPage } from "../src/history/entry";
import { runIndexFor } from "../src/history/record";
import worker from "../src/index";
import { api, getRun, ordersTruth, waitForRun } from "./helpers";
import { ALLOW_CRON, SKIP_CRON } from "./jobs/index";

/** A scheduled time no earlier test (or test run on the same storage) has used. */
let clock = Math.floor(Date.now() / 60_000) * 60_000 + 10 * 365 * 86_400_000;
function nextSlot(): number {
  clock += 60_000;
  return clock;
}

async function fire(cron: string, scheduledTime: number): Promise<void> {
  const controller = createScheduledController({ cron, scheduledTime });
  const ctx = createExecutionContext();
  await worker.scheduled(controller, env, ctx);
  await waitOnExecutionContext(ctx);
}

async function cronRunId(job: string, scheduledTime: number): Promise<string> {
  return scheduledRunId(job, new Date(scheduledTime).toISOString());
}

async function history(query: string): Promise<HistoryPage> {
  const res = await api(`/api/runs?${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as HistoryPage;
}

async function runExists(runId: string): Promise<boolean> {
  return (await api(`/api/runs/${runId}`)).status === 200;
}

describe("the scheduled handler", () => {
  it("starts the job whose schedule fired, exactly once per scheduled time", async () => {
    const at = nextSlot();
    await fire("0 3 * * *", at);
    const runId = await cronRunId("orders-total", at);
    const run = await waitForRun(runId);
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual(await ordersTruth());
    // Jobs on other schedules were not started.
    expect(await runExists(await cronRunId("test-cron-skip", at))).toBe(false);
    const listed = (await history("job=orders-total&limit=100")).runs.filter((r) => r.runId === runId);
    expect(listed).toEqual([expect.objectContaining({ runId, trigger: "cron", status: expect.any(String) })]);

    // The platform delivers the same trigger again: the same run, untouched.
    await fire("0 3 * * *", at);
    const again = await getRun(runId);
    expect(again.createdAt).toBe(run.createdAt);
    expect(again.updatedAt).toBe(run.updatedAt);
    expect((await history("job=orders-total&limit=100")).runs.filter((r) => r.runId === runId)).toHaveLength(1);
  });

  it("skips and records a scheduled run while the job's previous run is still going", async () => {
    const [t1, t2, t3] = [nextSlot(), nextSlot(), nextSlot()];
    await fire(SKIP_CRON, t1);
    const first = await cronRunId("test-cron-skip", t1);
    expect((await getRun(first)).status).toBe("running");

    await fire(SKIP_CRON, t2);
    const skipped = await cronRunId("test-cron-skip", t2);
    expect(await runExists(skipped)).toBe(false);
    const skips = (await history("job=test-cron-skip&status=skipped&limit=100")).runs.filter((r) => r.runId === skipped);
    expect(skips).toEqual([
      expect.objectContaining({ runId: skipped, status: "skipped", trigger: "cron", note: expect.stringContaining(first) }),
    ]);
    expect(skips[0]?.note).toContain(new Date(t2).toISOString());

    // A duplicate delivery of the skipped trigger, even once the first run is over, starts nothing.
    expect((await waitForRun(first)).result).toEqual(await ordersTruth());
    await fire(SKIP_CRON, t2);
    expect(await runExists(skipped)).toBe(false);
    expect((await history("job=test-cron-skip&status=skipped&limit=100")).runs.filter((r) => r.runId === skipped)).toHaveLength(1);

    // The next trigger after the previous run ended starts normally.
    await fire(SKIP_CRON, t3);
    const third = await cronRunId("test-cron-skip", t3);
    expect((await waitForRun(third)).status).toBe("succeeded");
    const ids = (await history("job=test-cron-skip&limit=100")).runs.map((r) => r.runId);
    expect(ids.filter((id) => [first, skipped, third].includes(id))).toEqual([third, skipped, first].filter((id) => ids.includes(id)));
    expect(ids).toEqual(expect.arrayContaining([first, skipped, third]));
  });

  it("skips a scheduled run while the job's previous run is paused: a paused run is still going", async () => {
    const [t1, t2] = [nextSlot(), nextSlot()];
    await fire(SKIP_CRON, t1);
    const first = await cronRunId("test-cron-skip", t1);
    expect((await api(`/api/runs/${first}/pause`, { method: "POST" })).status).toBe(200);
    expect((await getRun(first)).status).toBe("paused");
    await fire(SKIP_CRON, t2);
    const skipped = await cronRunId("test-cron-skip", t2);
    expect(await runExists(skipped)).toBe(false);
    const skips = (await history("job=test-cron-skip&status=skipped&limit=100")).runs.filter((r) => r.runId === skipped);
    expect(skips).toEqual([expect.objectContaining({ runId: skipped, status: "skipped", note: expect.stringContaining(first) })]);
    expect((await api(`/api/runs/${first}/resume`, { method: "POST" })).status).toBe(200);
    expect((await waitForRun(first)).result).toEqual(await ordersTruth());
  });

  it("is not blocked by a history entry that says running when the run's Coordinator does not", async () => {
    // An index update lost on the way leaves a run "running" in the history for good.
    const stale = { runId: `stale-${crypto.randomUUID()}`, job: "test-cron-skip", status: "running" as const, rows: 0, note: null };
    await runIndexFor(env).upsert({ ...stale, createdAt: Date.now(), updatedAt: Date.now(), finishedAt: null });
    const at = nextSlot();
    await fire(SKIP_CRON, at);
    const runId = await cronRunId("test-cron-skip", at);
    expect((await waitForRun(runId)).status).toBe("succeeded");
  });

  it("starts an overlapping run when the job allows overlap", async () => {
    const [t1, t2] = [nextSlot(), nextSlot()];
    await fire(ALLOW_CRON, t1);
    await fire(ALLOW_CRON, t2);
    const [a, b] = [await cronRunId("test-cron-allow", t1), await cronRunId("test-cron-allow", t2)];
    expect((await getRun(a)).status).toBe("running");
    expect((await getRun(b)).status).toBe("running");
    expect((await waitForRun(a)).status).toBe("succeeded");
    expect((await waitForRun(b)).status).toBe("succeeded");
  });
});
