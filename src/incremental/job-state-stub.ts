/**
 * How the rest of the Worker reaches a job's chain object: one JobState
 * Durable Object per incremental job, addressed by the job's name.
 */
import type { JobState } from "./job-state";

/** The chain object's RPC surface as callers see it (see coordinatorFor for why the cast). */
export type JobStateRpc = Pick<JobState, "start" | "finished" | "state">;

export function jobStateFor(env: Env, job: string): JobStateRpc {
  return env.JOB_STATE.get(env.JOB_STATE.idFromName(job)) as unknown as JobStateRpc;
}
