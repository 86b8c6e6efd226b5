/**
 * Entry: wires the handlers. The HTTP API, the queue consumer and the cron
 * trigger share this Worker; each run is one Coordinator Durable Object, and
 * the run history is one RunIndex Durable Object; each incremental job's
 * chain of runs is one JobState Durable Object.
 */
import { app } from "./api/app";
import { handleBatch } from "./consumer/consumer";
import { Coordinator } from "./coordinator/coordinator";
import { RunIndex } from "./history/run-index";
import { JobState } from "./incremental/job-state";
import { handleScheduled } from "./runs/scheduled";

export { Coordinator, JobState, RunIndex };

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    await handleBatch(batch, env);
  },
  async scheduled(controller, env, _ctx) {
    await handleScheduled(controller, env);
  },
} satisfies ExportedHandler<Env>;
