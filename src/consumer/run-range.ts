/**
 * Runs one range of a job on a lane's connection and turns the outcome into
 * a report. A lane is one connection reused for the ranges it runs in turn.
 */
import type { Client } from "@neondatabase/serverless";
import { openClient, type DbEnv } from "../db/connect";
import { Identifier, sqlOf, type Queryable } from "../db/sql";
import type { Job, Json } from "../jobs/define";
import { describeError } from "../lib/errors";
import type { RangeMessage, RangeReport } from "../coordinator/types";

/** One connection, opened on first query (a job may never need one) and replaced after a failure. */
export class Lane implements Queryable {
  private client: Promise<Client> | null = null;
  constructor(private readonly env: DbEnv) {}

  async query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> {
    // One connect even if a job issues queries in parallel.
    this.client ??= openClient(this.env).catch((err: unknown) => {
      this.client = null;
      throw err;
    });
    return (await this.client).query(text, values);
  }

  /** Drops the connection so the next range opens a fresh one. */
  async reset(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.then((c) => c.end()).catch(() => {});
  }

  async close(): Promise<void> {
    await this.reset();
  }
}

/** Raised when a range runs past its time limit; the Coordinator splits such ranges. */
class RangeTimeout extends Error {
  readonly code = "range_timeout";
  constructor(ms: number) {
    super(`the range ran longer than ${ms} ms`);
  }
}

/** Runs `fn` with an abort signal, rejecting with a RangeTimeout after `ms`. */
async function withTimeout<T>(ms: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new RangeTimeout(ms);
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

export async function runRange(lane: Lane, job: Job<Json, unknown>, msg: RangeMessage): Promise<RangeReport> {
  const started = Date.now();
  const base = { rangeId: msg.rangeId, attempt: msg.attempt };
  if (started >= msg.leaseUntil) {
    // Queued behind other ranges of a big batch past its lease: the Coordinator
    // sends it again, so running it now would only duplicate work.
    const error = { code: "lease_expired", message: "the lease ended before the range started", retryable: true };
    return { ...base, ok: false, error, durationMs: 0 };
  }
  let params: unknown = msg.params;
  if (job.params) {
    const parsed = job.params.safeParse(msg.params ?? undefined);
    if (!parsed.success) {
      const error = { code: "invalid_params", message: parsed.error.message, retryable: false };
      return { ...base, ok: false, error, durationMs: 0 };
    }
    params = parsed.data;
  }
  try {
    const range = { id: msg.rangeId, start: BigInt(msg.start), end: BigInt(msg.end), attempt: msg.attempt };
    const target = { table: new Identifier(job.table, true), key: new Identifier(job.key) };
    const result = await withTimeout(msg.timeoutMs, (signal) =>
      job.process(range, { sql: sqlOf(lane), target, params, signal, runId: msg.runId }),
    );
    return { ...base, ok: true, result, rows: job.rowsOf(result), durationMs: Date.now() - started };
  } catch (err) {
    const error = err instanceof RangeTimeout ? { code: err.code, message: err.message, retryable: true } : describeError(err);
    // A connection in an unknown state (or still busy with a timed-out query) is not reused.
    if (error.retryable) await lane.reset();
    return { ...base, ok: false, error, durationMs: Date.now() - started };
  }
}
