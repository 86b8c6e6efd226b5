/**
 * The queue consumer: runs a batch of ranges and reports them.
 *
 * - At most 6 ranges run at once, the Workers outgoing-connection limit; each
 *   lane keeps one connection for the ranges it runs in turn.
 * - The batch's results go to each run's Coordinator in one RPC.
 * - Each message is acked only after its outcome (success or failure) is in
 *   the Coordinator's ledger; if the report cannot be delivered the message is
 *   retried, so nothing is dropped on the floor.
 */
import { logError } from "../lib/log";
import { getJob } from "../jobs/registry";
import type { RangeMessage, RangeReport } from "../coordinator/types";
import { Lane } from "./lane";
import { runRange } from "./run-range";
import { policyOf } from "../lib/error-policy";
import { describeError } from "../lib/errors";
import { coordinatorFor } from "../coordinator/stub";

/** Ranges of one batch in flight at once. */
export const LANES = 6;

function isRangeMessage(body: unknown): body is RangeMessage {
  if (typeof body !== "object" || body === null) return false;
  const b = body as Record<string, unknown>;
  return (
    b["v"] === 1 && typeof b["runId"] === "string" && typeof b["job"] === "string" &&
    typeof b["rangeId"] === "number" && typeof b["attempt"] === "number" &&
    typeof b["start"] === "string" && typeof b["end"] === "string" && typeof b["timeoutMs"] === "number" && typeof b["leaseUntil"] === "number"
  );
}

export async function handleBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const work: Array<{ msg: Message<unknown>; body: RangeMessage }> = [];
  for (const msg of batch.messages) {
    if (isRangeMessage(msg.body)) work.push({ msg, body: msg.body });
    else {
      // Not ours, or from an incompatible version: let it reach the dead-letter queue.
      logError("malformed range message", { messageId: msg.id });
      msg.retry();
    }
  }

  const reports = new Map<string, Array<{ msg: Message<unknown>; report: RangeReport }>>();
  let next = 0;
  const lanes = Array.from({ length: Math.min(LANES, work.length) }, async () => {
    const lane = new Lane(env);
    try {
      while (next < work.length) {
        const item = work[next++];
        if (!item) break;
        const report = await processOne(lane, item.body);
        if (!report.ok) {
          const { runId, rangeId, attempt } = item.body;
          logError("range attempt failed", { runId, rangeId, attempt, code: report.error.code, retryable: policyOf(report.error.code).retryable, error: report.error.message });
        }
        const list = reports.get(item.body.runId) ?? [];
        list.push({ msg: item.msg, report });
        reports.set(item.body.runId, list);
      }
    } finally {
      await lane.reset();
    }
  });
  await Promise.all(lanes);

  await Promise.all(
    [...reports].map(async ([runId, items]) => {
      try {
        await coordinatorFor(env, runId).report(items.map((i) => i.report));
        for (const i of items) i.msg.ack();
      } catch (err) {
        const error = describeError(err);
        logError("report failed; retrying its messages", { runId, ranges: items.length, error: error.message });
        for (const i of items) i.msg.retry({ delaySeconds: 1 });
      }
    }),
  );
}

async function processOne(lane: Lane, body: RangeMessage): Promise<RangeReport> {
  const job = getJob(body.job);
  if (!job) {
    return {
      rangeId: body.rangeId,
      attempt: body.attempt,
      ok: false,
      error: { code: "job_not_found", message: `no job named ${body.job} in this Worker` },
      durationMs: 0,
    };
  }
  return runRange(lane, job, body);
}
