/**
 * Runs one range of a job on a lane's connection and turns the outcome into
 * a report. A lane is one connection reused for the ranges it runs in turn;
 * after any failure it is dropped, so no transaction or session state of a
 * failed range reaches the next one.
 */
import type { Client } from "@neondatabase/serverless";
import { openClient, type DbEnv } from "../db/connect";
import { sqlOf, type Queryable } from "../db/sql";
import { targetOf, type Job, type Json } from "../jobs/define";
import { CodedError, describeError } from "../lib/errors";
import type { RangeMessage, RangeReport } from "../coordinator/types";

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** Errors from the driver without a SQLSTATE are the connection failing, not the query. */
function asConnectionError(err: unknown): unknown {
  const code = typeof err === "object" && err !== null && "code" in err ? (err as { code: unknown }).code : undefined;
  if (typeof code === "string" && SQLSTATE.test(code)) return err;
  const message = err instanceof Error ? err.message : describeError(err).message;
  return new CodedError("connection_failed", message, true);
}

/** One connection, opened on first query (a job may never need one). */
export class Lane implements Queryable {
  private client: Promise<Client> | null = null;
  constructor(private readonly env: DbEnv) {}

  async query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> {
    // One connect even if a job issues queries in parallel.
    this.client ??= openClient(this.env).catch((err: unknown) => {
      this.client = null;
      throw asConnectionError(err);
    });
    const client = await this.client;
    try {
      return await client.query(text, values);
    } catch (err) {
      throw asConnectionError(err);
    }
  }

  /** Drops the connection so the next range opens a fresh one. */
  async reset(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.then((c) => c.end()).catch(() => {});
  }
}

/** Runs `fn` with an abort signal, rejecting with a `range_timeout` after `ms`. */
async function withTimeout<T>(ms: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new CodedError("range_timeout", `the range ran longer than ${ms} ms`, true);
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
    throw new CodedError("job_error", `the result is not JSON: ${describeError(err).message}`, false);
  }
  try {
    job.combine.merge(job.combine.initial(), copy);
  } catch (err) {
    throw new CodedError("job_error", `the result does not combine: ${describeError(err).message}`, false);
  }
  const rows = job.rowsOf(result);
  if (!Number.isFinite(rows) || rows < 0) throw new CodedError("job_error", `rowsOf gave ${rows}`, false);
  return rows;
}

export async function runRange(lane: Lane, job: Job<Json, unknown>, msg: RangeMessage): Promise<RangeReport> {
  const started = Date.now();
  const base = { rangeId: msg.rangeId, attempt: msg.attempt };
  const fail = (error: { code: string | null; message: string; retryable: boolean }) => ({
    ...base,
    ok: false as const,
    error,
    durationMs: Date.now() - started,
  });
  if (started + msg.timeoutMs > msg.leaseUntil) {
    // Queued behind other ranges of a big batch until it could no longer finish
    // within its lease: running it now could overlap the Coordinator's resend.
    return fail({ code: "not_started", message: "the range waited past its lease and was not started", retryable: true });
  }
  let params: unknown = msg.params;
  if (job.params) {
    const parsed = job.params.safeParse(msg.params ?? undefined);
    if (!parsed.success) return fail({ code: "invalid_params", message: parsed.error.message, retryable: false });
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
    return fail(describeError(err));
  }
}
