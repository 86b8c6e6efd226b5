/**
 * A run whose job disappears from the Worker (a deploy removed or renamed
 * it) ends `failed`, visibly: watchers get the final status, and its open
 * ranges fail with `job_not_found`, so `retry` runs them once the job is back.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Ledger } from "../src/coordinator/ledger";
import { migrate } from "../src/coordinator/schema";
import type { RunStatus } from "../src/coordinator/types";
import { getJob } from "../src/jobs/registry";
import { planUniform } from "../src/planning/uniform";
import { allRanges, api, getRun, ordersTruth, waitForRun, ledgerRanges } from "./helpers";

const job = getJob("orders-total");
if (!job) throw new Error("orders-total is not registered");
const combine = job.combine;

/** Reads `event: status` payloads from an SSE response until the stream ends. */
async function statuses(res: Response): Promise<RunStatus[]> {
  const text = await res.text();
  return text
    .split("\n\n")
    .map((block) => block.split("\n").find((l) => l.startsWith("data: ")))
    .filter((l): l is string => l !== undefined)
    .map((l) => JSON.parse(l.slice("data: ".length)) as RunStatus);
}

describe("a run whose job is gone", () => {
  it("ends failed with a final event, fails its open ranges, and retries them once the job is back", async () => {
    const runId = `ghost-${crypto.randomUUID()}`;
    const stub = env.COORDINATOR.get(env.COORDINATOR.idFromName(runId));
    // A run of a job this Worker no longer has, as a deploy that removed it leaves it.
    await runInDurableObject(stub, async (_i, state) => {
      migrate(state.storage.sql);
      const ledger = new Ledger(state.storage.sql);
      ledger.insertRun({
        run_id: runId, job: "ghost-job", status: "running", phase: "main", bounds_start: "1", bounds_end: "20000",
        snapshot_end: 0, split: "uniform", canary_ranges: 0, rows_per_range: 2_000, concurrency: 4, max_attempts: 3,
        lease_ms: 60_000, timeout_ms: 30_000, params: "null", accumulator: JSON.stringify(combine.initial()), created_at: Date.now(), planning_ms: 1, key_type: "integer", bounds_end_exclusive: 0,
      });
      ledger.insertRanges(ledgerRanges(planUniform(1n, 20_000n, 2_000n)));
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    const events = api(`/api/runs/${runId}/events`);
    const stream = await events;
    expect(stream.status).toBe(200);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const seen = await statuses(stream);
    expect(seen.at(-1)?.status).toBe("failed");

    const failed = await getRun(runId);
    expect(failed.status).toBe("failed");
    expect(failed.ranges).toMatchObject({ total: 10, failed: 10, pending: 0, running: 0 });
    expect((await allRanges(runId)).every((r) => r.error?.code === "job_not_found")).toBe(true);
    expect((await api(`/api/runs/${runId}/retry`, { method: "POST" })).status).toBe(409); // still gone

    // The job is back (here: the run is pointed at a job this Worker has).
    await runInDurableObject(stub, (_i, state) => void state.storage.sql.exec("UPDATE run SET job = 'orders-total'"));
    expect((await api(`/api/runs/${runId}/retry`, { method: "POST" })).status).toBe(200);
    const run = await waitForRun(runId);
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual(await ordersTruth("orders", 1n, 20_000n));
  });
});
