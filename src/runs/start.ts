/**
 * Starting a run, the same for every trigger: the API, signed webhooks and
 * the cron schedule. Each trigger picks the run id (run-id.ts); the
 * Coordinator's `create` is idempotent per run id, so a trigger that fires
 * twice finds the run it started instead of starting a second one.
 *
 * A run of an incremental job over its whole key space is a run of the job's
 * chain: it goes through the job's chain object (src/incremental/job-state.ts),
 * which picks its base and mode one start at a time (docs/incremental.md).
 */
import { coordinatorFor } from "../coordinator/stub";
import type { RunOutcome } from "../coordinator/types";
import { jobStateFor } from "../incremental/job-state-stub";
import { getJob } from "../jobs/registry";
import { log } from "../lib/log";
import { triggerOf } from "./run-id";
import type { RunSpec } from "./spec";

/**
 * Starts the run `spec.runId`, or finds it. `created` is false when the id
 * already named a run, which is returned as it is now. `scheduled`: a cron
 * run, incremental by default for an incremental job.
 */
export async function startRun(env: Env, spec: RunSpec, scheduled = false): Promise<RunOutcome> {
  const chained = getJob(spec.job)?.incremental && spec.start === undefined && spec.end === undefined;
  const result = chained ? await jobStateFor(env, spec.job).start(spec, scheduled) : await coordinatorFor(env, spec.runId).create(spec);
  if (result.ok && result.value.created) log("run started", { runId: spec.runId, job: spec.job, trigger: triggerOf(spec.runId) });
  return result;
}
