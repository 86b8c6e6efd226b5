/**
 * The job API: what a user writes in `src/jobs/`.
 *
 * A job names a table and an integer key column, says how to process one key
 * range, and how to combine range results. rangemap does the rest: bounds,
 * splitting, leasing, retries and the exactly-once fold.
 */
import type { ZodType, ZodTypeDef } from "zod";
import { Identifier, isIdentifier, type Sql } from "../db/sql";

/** Any JSON value. Range results are stored and sent as JSON. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** An inclusive key range `[start, end]`. */
export interface Range {
  /** Position of the range in the run's plan, from 0. */
  id: number;
  start: bigint;
  end: bigint;
  /** 1 on the first try, 2 on the first retry, … */
  attempt: number;
}

export interface ProcessContext<P> {
  /** Tagged-template SQL on this range's connection; values become parameters. */
  sql: Sql;
  /** The job's table and key as quoted identifiers, ready to interpolate. */
  target: { table: Identifier; key: Identifier };
  /** Run parameters, validated by the job's `params` schema. */
  params: P;
  /** Aborted when the range should stop (timeout or cancel). */
  signal: AbortSignal;
  runId: string;
}

/** How range results fold into one. `merge` must be associative and commutative. */
export interface Combine<R> {
  initial(): R;
  merge(a: R, b: R): R;
}

export interface JobConfig<R extends Json, P> {
  /** Lower-case name used in URLs: `[a-z0-9][a-z0-9-]*`. */
  name: string;
  description?: string;
  /** Table to split, optionally schema-qualified (`"public.orders"`). */
  table: string;
  /** Integer key column the ranges are cut on. */
  key: string;
  /** Default keys (uniform split) per range. */
  rowsPerRange?: number;
  /** Default number of ranges in flight at once. */
  concurrency?: number;
  /** Default tries per range before it is marked failed. */
  maxAttempts?: number;
  /** Seconds one range may run before it is stopped and reported as a timeout (then split). */
  timeoutSeconds?: number;
  /** Seconds a dispatched range may take, queue wait included, before its lease expires and it is sent again. */
  leaseSeconds?: number;
  /** Allow a key with no index leading on it (every range then scans the table). */
  allowUnindexedKey?: boolean;
  /** Optional cron schedule (UTC) for nightly runs; it must also be listed in wrangler.toml's `[triggers] crons`. */
  schedule?: string;
  /**
   * What a scheduled run does while the job's previous run is still going:
   * `"skip"` (the default) records a skipped run and starts nothing;
   * `"allow"` starts it anyway.
   */
  overlap?: "skip" | "allow";
  /** Optional schema for run parameters (absent parameters arrive as `undefined`). */
  params?: ZodType<P, ZodTypeDef, unknown>;
  process(range: Range, ctx: ProcessContext<P>): Promise<R>;
  combine: Combine<R>;
  /** Rows a result covers, for progress. Default: its numeric `rows` field. */
  rowsOf?(result: R): number;
}

/** A registered job; the defaults are filled in. */
export interface Job<R extends Json = Json, P = unknown> extends JobConfig<R, P> {
  rowsPerRange: number;
  concurrency: number;
  maxAttempts: number;
  leaseSeconds: number;
  timeoutSeconds: number;
  rowsOf(result: R): number;
}

/** Global defaults; a job's own defaults and the run body override them. */
export const JOB_DEFAULTS = {
  rowsPerRange: 10_000,
  concurrency: 8,
  maxAttempts: 3,
  timeoutSeconds: 60,
  leaseSeconds: 180,
} as const;

/** What a job name looks like (also what URL paths accept). */
export const JOB_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The job's table and key as quoted identifiers, validated at load time. */
export function targetOf(job: Pick<JobConfig<Json, unknown>, "table" | "key">): { table: Identifier; key: Identifier } {
  return { table: new Identifier(job.table, true), key: new Identifier(job.key) };
}

function defaultRowsOf(result: Json): number {
  if (result !== null && typeof result === "object" && !Array.isArray(result)) {
    const rows = result["rows"];
    if (typeof rows === "number") return rows;
  }
  return 0;
}

function positiveInt(name: string, field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError(`job ${name}: ${field} must be a positive integer`);
  }
  return value;
}

/**
 * Declares a job. Validates the definition at load time, so a bad table name
 * fails the deploy rather than a run.
 *
 * @example
 * export default defineJob({
 *   name: "orders-total",
 *   table: "orders",
 *   key: "id",
 *   async process(range, { sql, target }) {
 *     const [row] = await sql<{ n: string }>`
 *       SELECT count(*) AS n FROM ${target.table}
 *       WHERE ${target.key} BETWEEN ${range.start} AND ${range.end}`;
 *     return { rows: Number(row?.n ?? 0) };
 *   },
 *   combine: fields({ rows: count() }),
 * });
 */
export function defineJob<R extends Json, P = undefined>(config: JobConfig<R, P>): Job<R, P> {
  if (!JOB_NAME.test(config.name)) {
    throw new TypeError(`job name ${JSON.stringify(config.name)} must match ${JOB_NAME}`);
  }
  for (const [field, value] of [["table", config.table], ["key", config.key]] as const) {
    if (!isIdentifier(value, field === "table")) {
      throw new TypeError(`job ${config.name}: ${field} ${JSON.stringify(value)} is not a valid SQL identifier`);
    }
  }
  const name = config.name;
  return {
    ...config,
    rowsPerRange: positiveInt(name, "rowsPerRange", config.rowsPerRange ?? JOB_DEFAULTS.rowsPerRange),
    concurrency: positiveInt(name, "concurrency", config.concurrency ?? JOB_DEFAULTS.concurrency),
    maxAttempts: positiveInt(name, "maxAttempts", config.maxAttempts ?? JOB_DEFAULTS.maxAttempts),
    leaseSeconds: positiveInt(name, "leaseSeconds", config.leaseSeconds ?? JOB_DEFAULTS.leaseSeconds),
    timeoutSeconds: positiveInt(name, "timeoutSeconds", config.timeoutSeconds ?? JOB_DEFAULTS.timeoutSeconds),
    rowsOf: config.rowsOf ?? defaultRowsOf,
  };
}
