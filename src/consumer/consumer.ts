/**
 * The queue consumer: each message starts one lane (lane-runner.ts).
 *
 * - At most MAX_LANES lanes run in one invocation: a Worker invocation may
 *   hold at most 6 outgoing connections, and each lane holds one. Extra
 *   messages (max_batch_size should prevent them) wait for another invocation.
 * - A message is acked once its lane has handed back; a lane that could not
 *   reach its Coordinator is retried, and what it held comes back through the
 *   leases, so nothing is dropped on the floor.
 * - `COORDINATOR_RPC_DELAY_MS` (benchmarks and tests only) delays every
 *   Coordinator call both ways, to model a consumer far from the Coordinator.
 */
import { coordinatorFor } from "../coordinator/stub";
import type { LaneCall, LaneGrant, LaneMessage } from "../coordinator/types";
import { getJob } from "../jobs/registry";
import { messageOf } from "../lib/errors";
import { logError } from "../lib/log";
import { sleep } from "../lib/sleep";
import { Lane } from "./lane";
import { LaneRunner, type LaneRpc } from "./lane-runner";

/** Lanes, and so connections, one invocation runs at once. */
export const MAX_LANES = 6;

function isLaneMessage(body: unknown): body is LaneMessage {
  if (typeof body !== "object" || body === null) return false;
  const b = body as Record<string, unknown>;
  return b["v"] === 2 && typeof b["runId"] === "string" && typeof b["job"] === "string" && typeof b["lane"] === "number";
}


function laneRpc(env: Env, runId: string): LaneRpc {
  const coordinator = coordinatorFor(env, runId);
  const delay = Math.max(0, Number(env.COORDINATOR_RPC_DELAY_MS) || 0);
  if (delay === 0) return (call) => coordinator.lane(call);
  return async (call: LaneCall): Promise<LaneGrant> => {
    await sleep(delay);
    const grant = await coordinator.lane(call);
    await sleep(delay);
    return grant;
  };
}

export async function handleBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const label = crypto.randomUUID().slice(0, 8);
  const lanes: Array<Promise<void>> = [];
  for (const msg of batch.messages) {
    if (!isLaneMessage(msg.body)) {
      // Not ours, or from an incompatible version: let it reach the dead-letter queue.
      logError("malformed lane message", { messageId: msg.id });
      msg.retry();
      continue;
    }
    if (lanes.length >= MAX_LANES) {
      msg.retry({ delaySeconds: 1 });
      continue;
    }
    const body = msg.body;
    lanes.push(
      runLane(env, body, label).then(
        () => msg.ack(),
        (err: unknown) => {
          logError("lane failed; its message is retried", { runId: body.runId, lane: body.lane, error: messageOf(err) });
          msg.retry({ delaySeconds: 1 });
        },
      ),
    );
  }
  await Promise.all(lanes);
}

async function runLane(env: Env, msg: LaneMessage, label: string): Promise<void> {
  const rpc = laneRpc(env, msg.runId);
  const job = getJob(msg.job);
  if (!job) {
    // The Coordinator fails the run when its job is gone; the lane only says it is done.
    await rpc({ lane: msg.lane, reports: [], started: [], release: [], want: 0, done: true });
    return;
  }
  await new LaneRunner(msg.lane, msg.runId, job, new Lane(env, label), rpc).run();
}
