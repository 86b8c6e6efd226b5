/**
 * Entry: wires the handlers. The HTTP API, the queue consumer and the cron
 * trigger share this Worker; each run is one Coordinator Durable Object, and
 * the run history is one RunIndex Durable Object.
 */
import { app } from "./api/app";
import { handleBatch } from "./consumer/consumer";
import { Coordinator } from "./coordinator/coordinator";
import { RunIndex } from "./history/run-index";

export { Coordinator, RunIndex };

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    await handleBatch(batch, env);
  },
  async scheduled() {
    // Cron-started runs arrive with the webhooks-and-schedules work (issue 6).
  },
} satisfies ExportedHandler<Env>;
