/**
 * Starting a run, the same for every trigger: the API, signed webhooks and
 * the cron schedule. Each trigger picks the run id (run-id.ts); the
 * Coordinator's `create` is idempotent per run id, so a trigger that fires
 * twice finds the run it started instead of starting a second one.
 */
import { coordinatorFor } from "../coordinator/stub";
import type { RunOutcome } from "../coordinator/types";
import { log } from "../lib/log";
import { triggerOf } from "./run-id";
import type { RunSpec } from "./spec";

/**
 * Starts the run `spec.runId`, or finds it. `created` is false when the id
 * already named a run, which is returned as it is now.
 */
export async function startRun(env: Env, spec: RunSpec): Promise<RunOutcome> {
  const result = await coordinatorFor(env, spec.runId).create(spec);
  if (result.ok && result.value.created) log("run started", { runId: spec.runId, job: spec.job, trigger: triggerOf(spec.runId) });
  return result;
}
