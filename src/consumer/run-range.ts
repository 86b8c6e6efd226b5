/**
 * Runs one range of a job on a lane's connection and turns the outcome into a
 * report: a result checked to fold, or a failure with its code. What the code
 * means is the Coordinator's call (src/lib/error-policy.ts).
 */
import { claim, record, type EffectsScope } from "../db/effects";
import { SETTLE_GRACE_MS } from "../db/session";
import { sqlOf, type Identifier, type Queryable } from "../db/sql";
import { guardStatement } from "../db/statement-guard";
import { targetOf, type Job, type Json } from "../jobs/define";
import { CodedError, describeError } from "../lib/errors";
import type { RangeFailure, RangeReport, RangeTask } from "../coordinator/types";
import { policyOf } from "../lib/error-policy";
import { keyTypeOf } from "../planning/keys";
import { jobRange } from "../planning/keys/job-range";
import type { KeyType } from "../planning/keys/key-type";
import type { ChainFilter } from "../planning/keys/predicate";
import type { Lane, OpenRange } from "./lane";

/**
 * Runs `fn` until `signal` aborts; then rejects with its reason. No timer of
 * its own: a lane runs thousands of ranges, and a Worker invocation may only
 * have so many timers (the lane's one ticker aborts the range at its deadline).
 */
async function untilAborted<T>(signal: AbortSignal, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (signal.aborted) throw signal.reason;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([fn(signal), aborted]);
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}

/**
 * The connection as one range sees it: statements that would change the
 * transaction or the session are refused (statement-guard.ts), and once the
 * range is aborted (timed out) a job still running in the background cannot
 * use the lane any more.
 */
function rangeQueryable(lane: Lane, range: OpenRange, signal: AbortSignal, guarded = true): Queryable {
  return {
    query: async (text, values) => {
      if (signal.aborted) throw signal.reason;
      if (guarded) guardStatement(text);
      return lane.query(text, values, range);
    },
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
  if (!Number.isSafeInteger(rows) || rows < 0) throw new CodedError("job_error", `rowsOf gave ${rows}: a count of rows must be a whole number, at least 0`);
  return rows;
}

/** What a range needs from its run, besides its own keys. */
export interface RangeContext {
  runId: string;
  timeoutMs: number;
  /** The run's target rows per range: where a key type without arithmetic cuts a range that timed out. */
  rowsPerRange: number;
  /** The run's parameters, already parsed by the job's schema. */
  params: unknown;
  /** The run's nonce, which keys its exactly-once records. */
  nonce: string;
  /** An incremental job's visibility filter near its watermark (docs/incremental.md). */
  chain?: ChainFilter | null;
}

/**
 * Runs one range of `job` on the lane's connection. A failure resets the
 * connection, so nothing a failed range left behind reaches the next one.
 */
/** A range's timeout, as the lane's ticker raises it. */
export function rangeTimeout(ms: number): CodedError {
  return new CodedError("range_timeout", `the range ran longer than ${ms} ms`);
}

export async function runRange(lane: Lane, job: Job<Json, unknown>, task: RangeTask, ctx: RangeContext, signal: AbortSignal): Promise<RangeReport> {
  const started = Date.now();
  const base = { rangeId: task.rangeId, attempt: task.attempt };
  // A job that writes runs each range in one transaction; one that only reads pays for none of this.
  const open = lane.beginRange(ctx.timeoutMs, job.writes !== undefined);
  const scope: EffectsScope | null = job.writes === "exactly-once" ? { nonce: ctx.nonce, rangeId: task.rangeId, ancestors: task.ancestors ?? [] } : null;
  const keys = keyTypeOf(job);
  const target = targetOf(job);
  try {
    const range = jobRange(keys, target.key, task.rangeId, task, task.attempt, ctx.chain ?? null);
    const outcome = await untilAborted(signal, async (s) => {
      // rangemap's own statements (locks, lookup, record) are bound to this range too: after a timeout they are not sent.
      const own = rangeQueryable(lane, open, s, false);
      const claimed = scope ? await claim(own, scope) : ({ kind: "run" } as const);
      if (claimed.kind === "recorded") return claimed;
      const result = await job.process(range, { sql: sqlOf(rangeQueryable(lane, open, s)), target, params: ctx.params, signal: s, runId: ctx.runId });
      const rows = checkResult(job, result);
      if (scope) await record(own, scope, result, rows);
      return { kind: "ran" as const, result, rows };
    });
    if (outcome.kind === "recorded") {
      // Nothing to write: the transaction only held the locks.
      await lane.endRange(false);
      return { ...base, ok: true, result: outcome.result, rows: outcome.rows, durationMs: Date.now() - started, recordedBy: outcome.by };
    }
    await lane.endRange(true);
    return { ...base, ok: true, result: outcome.result, rows: outcome.rows, durationMs: Date.now() - started };
  } catch (err) {
    const { code, message } = describeError(err);
    if (code === "range_busy" || code === "range_superseded") {
      // Refused before the job ran: roll back and keep the connection.
      await lane.endRange(false).catch(() => lane.reset());
    } else {
      // A timed-out query may still run in Postgres, up to its statement_timeout:
      // wait for it, so this lane's next connection is never a second backend.
      if (code === "range_timeout") await lane.settle(ctx.timeoutMs + SETTLE_GRACE_MS);
      await lane.reset();
    }
    const error: RangeFailure = { code, message };
    if (keys.cut && !task.nulls && policyOf(code).splits) {
      const cut = await cutFor(lane, keys.cut.bind(keys), target, task, ctx);
      if (cut !== null) error.cut = cut;
    }
    return { ...base, ok: false, error, durationMs: Date.now() - started };
  }
}

/**
 * Asks Postgres where to split a range that timed out, for a key type without
 * arithmetic, on the lane's fresh connection and within the range's timeout.
 * No answer only means the range is retried whole.
 */
async function cutFor(lane: Lane, cut: NonNullable<KeyType["cut"]>, target: { table: Identifier; key: Identifier }, task: RangeTask, ctx: RangeContext): Promise<string | null> {
  lane.beginRange(ctx.timeoutMs);
  try {
    const at = await cut(sqlOf(lane), target.table, target.key, task, ctx.rowsPerRange);
    await lane.endRange(true);
    return at;
  } catch {
    await lane.reset();
    return null;
  }
}
