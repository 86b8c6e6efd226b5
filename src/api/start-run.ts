/**
 * Starting a run, shared by every trigger: the API, signed webhooks and the
 * cron schedule. Each trigger picks the run id (random, or derived from an
 * Idempotency-Key, a webhook id or a scheduled time); the Coordinator's
 * `create` is idempotent per run id, so a retried trigger finds the run it
 * started instead of starting a second one.
 */
import { coordinatorFor } from "../coordinator/stub";
import type { RunSpec, RunStatus } from "../coordinator/types";
import { log } from "../lib/log";
import { triggerOf } from "../history/entry";
import { apiError } from "./errors";

export interface StartedRun {
  /** false when the run id already named a run, which is returned as it is now. */
  created: boolean;
  run: RunStatus;
}

/** Starts the run `spec.runId`, or finds it; throws the API error when it cannot be planned. */
export async function startRun(env: Env, spec: RunSpec): Promise<StartedRun> {
  const result = await coordinatorFor(env, spec.runId).create(spec);
  if (!result.ok) throw apiError(result.error.status, result.error.code, result.error.message);
  if (result.created) log("run started", { runId: spec.runId, job: spec.job, trigger: triggerOf(spec.runId) });
  return { created: result.created, run: result.run };
}
