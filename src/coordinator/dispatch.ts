/**
 * Dispatch: turn free concurrency slots into leased ranges and queue messages.
 *
 * The lease is written before the message is sent. If the send fails, the
 * lease is given back; if the message is lost later, the lease expires and
 * the alarm re-dispatches it. So the ledger never waits on a message that
 * nobody will deliver (DESIGN invariants 3 and 4).
 */
import { logError } from "../lib/log";
import type { Json } from "../jobs/define";
import type { Ledger, LeasedRange, RunRow } from "./ledger";
import type { RangeMessage } from "./types";

// Queues take at most 100 messages and 256 KB per sendBatch.
const SEND_CHUNK = 100;
const SEND_BYTES = 200 * 1024;

export function toMessage(run: RunRow, range: LeasedRange, params: Json): RangeMessage {
  return {
    v: 1,
    runId: run.run_id,
    job: run.job,
    rangeId: range.id,
    attempt: range.attempt,
    start: range.start,
    end: range.end,
    timeoutMs: run.timeout_ms,
    leaseUntil: range.lease_until,
    params,
  };
}

/** Splits messages into sendBatch calls within the queue's count and size limits. */
export function chunks(messages: RangeMessage[]): RangeMessage[][] {
  const out: RangeMessage[][] = [];
  let current: RangeMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = JSON.stringify(m).length + 64; // per-message overhead, generously
    if (current.length > 0 && (current.length >= SEND_CHUNK || bytes + size > SEND_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Leases as many pending ranges as there are free slots and sends them.
 * Returns how many were sent.
 */
export async function dispatch(
  ledger: Ledger,
  queue: Queue<RangeMessage>,
  run: RunRow,
  now: number,
): Promise<number> {
  const free = run.effective_concurrency - ledger.countInState("running");
  const leased = ledger.lease(free, now, run.lease_ms, run.phase === "canary");
  if (leased.length === 0) return 0;
  const params = JSON.parse(run.params) as Json;
  let sent = 0;
  for (const chunk of chunks(leased.map((r) => toMessage(run, r, params)))) {
    try {
      await queue.sendBatch(chunk.map((body) => ({ body, contentType: "json" })));
      sent += chunk.length;
    } catch (err) {
      ledger.unlease(leased.slice(sent).map((r) => r.id));
      logError("queue send failed", { runId: run.run_id, error: err instanceof Error ? err.message : String(err) });
      break;
    }
  }
  return sent;
}
