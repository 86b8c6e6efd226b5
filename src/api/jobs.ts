/**
 * `/api/jobs`: the Worker's jobs with their defaults (the job's own or the
 * global ones, as a run without options would use them), and starting a run of one.
 */
import { Hono } from "hono";
import { getJob, listJobs } from "../jobs/registry";
import { idempotentRunId, newRunId } from "../runs/run-id";
import { apiError, domainError } from "./errors";
import { readJson } from "./body";
import { toRunSpec } from "./run-options";
import { dryRun } from "../planning/dry-run";
import { startRun } from "../runs/start";
import { healthIntervalMs } from "../coordinator/health";

export const jobsRoutes = new Hono<{ Bindings: Env }>();

jobsRoutes.get("/", (c) =>
  c.json({
    jobs: listJobs().map((job) => ({
      name: job.name,
      description: job.description ?? null,
      table: job.table,
      key: job.key,
      schedule: job.schedule ?? null,
      // Incremental runs (docs/incremental.md): the margin and reconciliation cadence; null when the job has none.
      incremental: job.incremental,
      defaults: {
        rowsPerRange: job.rowsPerRange,
        concurrency: job.concurrency,
        maxAttempts: job.maxAttempts,
        leaseSeconds: job.leaseSeconds,
        timeoutSeconds: job.timeoutSeconds,
        split: job.split,
        canary: job.canary,
        rate: job.rate ?? null,
      },
      healthCheck: job.healthCheck ? { seconds: healthIntervalMs(job) / 1000 } : null,
    })),
  }),
);

jobsRoutes.post("/:job/runs", async (c) => {
  const job = getJob(c.req.param("job"));
  if (!job) throw apiError(404, "job_not_found", `no job named ${c.req.param("job")}`);
  const idempotencyKey = c.req.header("idempotency-key");
  if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > 255)) {
    throw apiError(400, "invalid_idempotency_key", "Idempotency-Key must be 1 to 255 characters");
  }
  const runId = idempotencyKey ? await idempotentRunId(job.name, idempotencyKey) : newRunId();
  const { dryRun: dry, ...spec } = toRunSpec(await readJson(c), job, runId);
  if (dry) {
    const planned = await dryRun(c.env, job, spec);
    if (!planned.ok) throw domainError(planned.error);
    return c.json(planned.value, 200);
  }
  const started = await startRun(c.env, spec);
  if (!started.ok) throw domainError(started.error);
  const { created, run } = started.value;
  c.header("Location", `/api/runs/${runId}`);
  return c.json({ ...run, created }, 202);
});
