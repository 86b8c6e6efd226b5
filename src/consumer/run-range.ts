/**
 * Runs one range of a job on a lane's connection and turns the outcome into a
 * report: a result checked to fold, or a failure with its code. What the code
 * means is the Coordinator's call (src/lib/error-policy.ts).
 */
import { sqlOf, type Queryable } from "../db/sql";
import { targetOf, type Job, type Json } from "../jobs/define";
import { CodedError, describeError } from "../lib/errors";
import type { RangeFailure, RangeMessage, RangeReport } from "../coordinator/types";
import type { Lane } from "./lane";

/** Runs `fn` with an abort signal, rejecting with a `range_timeout` after `ms`. */
async function withTimeout<T>(ms: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new CodedError("range_timeout", `the range ran longer than ${ms} ms`);
      controller.abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([fn(controller.signal), timeout]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * The connection as one range sees it: once the range is aborted (timed out),
 * a job still running in the background cannot use the lane any more.
 */
function rangeQueryable(lane: Lane, signal: AbortSignal): Queryable {
  return {
    query: (text, values) => (signal.aborted ? Promise.reject(signal.reason) : lane.query(text, values)),
  };
}

/**
 * Checks a result before it is reported: it must be JSON, fold with the job's
 * combiner, and give a finite row count. A job bug is caught here, against one
 * range, rather than inside the Coordinator's fold of a whole batch.
 */
function checkResult(job: Job<Json, unknown>, result: Json): number {
  let copy: Json;
  try {
    copy = JSON.parse(JSON.stringify(result)) as Json;
  } catch (err) {
    throw new CodedError("job_error", `the result is not JSON: ${describeError(err).message}`);
  }
  try {
    job.combine.merge(job.combine.initial(), copy);
  } catch (err) {
    throw new CodedError("job_error", `the result does not combine: ${describeError(err).message}`);
  }
  const rows = job.rowsOf(result);
  if (!Number.isFinite(rows) || rows < 0) throw new CodedError("job_error", `rowsOf gave ${rows}`);
  return rows;
}

export async function runRange(lane: Lane, job: Job<Json, unknown>, msg: RangeMessage): Promise<RangeReport> {
  const started = Date.now();
  const base = { rangeId: msg.rangeId, attempt: msg.attempt };
  const fail = (error: RangeFailure) => ({
    ...base,
    ok: false as const,
    error,
    durationMs: Date.now() - started,
  });
  if (started + msg.timeoutMs > msg.leaseUntil) {
    // Queued behind other ranges of a big batch until it could no longer finish
    // within its lease: running it now could overlap the Coordinator's resend.
    return fail({ code: "not_started", message: "the range waited past its lease and was not started" });
  }
  let params: unknown = msg.params;
  if (job.params) {
    const parsed = job.params.safeParse(msg.params ?? undefined);
    if (!parsed.success) return fail({ code: "invalid_params", message: parsed.error.message });
    params = parsed.data;
  }
  try {
    const range = { id: msg.rangeId, start: BigInt(msg.start), end: BigInt(msg.end), attempt: msg.attempt };
    const result = await withTimeout(msg.timeoutMs, (signal) =>
      job.process(range, { sql: sqlOf(rangeQueryable(lane, signal)), target: targetOf(job), params, signal, runId: msg.runId }),
    );
    const rows = checkResult(job, result);
    return { ...base, ok: true, result, rows, durationMs: Date.now() - started };
  } catch (err) {
    await lane.reset();
    const { code, message } = describeError(err);
    return fail({ code, message });
  }
}
