/**
 * The job API: what a user writes in `src/jobs/`.
 *
 * A job names a table and a key column, says how to process one key range,
 * and how to combine range results. rangemap does the rest: bounds,
 * splitting, leasing, retries and the exactly-once fold. `defineJob` takes no
 * type arguments: the result type comes from `combine` (and `process`), the
 * parameters' type from the `params` schema.
 */
import type { ZodType, ZodTypeDef } from "zod";
import type { Split } from "../planning/keys/key-type";
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
  /** Run parameters, validated by the job's `params` schema (`undefined` for a job without one). */
  params: P;
  /**
   * Aborted when the range runs past its timeout (`timeoutSeconds`); later
   * queries on `sql` then reject. Cancelling the run does not abort it: a range
   * already running finishes, and its report is ignored.
   */
  signal: AbortSignal;
  runId: string;
}

/** What a job's `healthCheck` gets: like `process`, without a range. */
export interface HealthContext<P> {
  /** Tagged-template SQL on the lane's own connection (one of the run's `concurrency`). */
  sql: Sql;
  params: P;
  /** Aborted when the check runs past the range timeout (`timeoutSeconds`). */
  signal: AbortSignal;
}

/** A health check's answer. `reason` is shown in the run's status while it is unhealthy. */
export interface Health {
  healthy: boolean;
  reason?: string;
}

/** A run's rate limit; see src/coordinator/pacing.ts. */
export interface Rate {
  /** Most ranges begun per second, over every 10-second window. */
  rangesPerSecond?: number;
  /** Most rows per second (as `rowsOf` counts them), over every 10-second window. */
  rowsPerSecond?: number;
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
  /** Key column the ranges are cut on. */
  key: string;
  /** Default keys (uniform split) or rows (balanced split) per range. */
  rowsPerRange?: number;
  /** Default split: `"balanced"` (even rows per range) or `"uniform"` (even keys per range). */
  split?: Split;
  /** Default canary: `true` (a small first window), a number of ranges, or `false` (none). */
  canary?: boolean | number;
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
  /** Default rate limit; a run body's `rate` overrides it field by field. */
  rate?: Rate;
  /**
   * A check of the database's health, run by rangemap between ranges on a
   * lane's own connection (so it counts against `concurrency`), at most once
   * per `healthCheckSeconds`. While it answers `healthy: false` (or throws),
   * no range starts; the run's status says why. Statements run in a
   * transaction that is rolled back.
   *
   * @example
   * async healthCheck({ sql }) {
   *   const [row] = await sql<{ lag: number | null }>`
   *     SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS lag`;
   *   const lag = row?.lag ?? 0;
   *   return lag < 30 ? { healthy: true } : { healthy: false, reason: `replica lag ${Math.round(lag)} s` };
   * }
   */
  healthCheck?(ctx: HealthContext<P>): Promise<Health>;
  /** Seconds between health checks (default 10). */
  healthCheckSeconds?: number;
  /** Optional schema for run parameters (absent parameters arrive as `undefined`). */
  params?: ZodType<P, ZodTypeDef, unknown>;
  process(range: Range, ctx: ProcessContext<P>): Promise<R>;
  combine: Combine<R>;
  /**
   * Rows a result covers, for progress. Required unless `combine.initial()`
   * has a numeric `rows` field, which is then the default.
   */
  rowsOf?(result: R): number;
}

/** A defined job; the defaults are filled in. */
export interface Job<R extends Json = Json, P = unknown> extends JobConfig<R, P> {
  rowsPerRange: number;
  split: Split;
  canary: boolean | number;
  concurrency: number;
  maxAttempts: number;
  leaseSeconds: number;
  timeoutSeconds: number;
  rowsOf(result: R): number;
}

/** Any job, whatever its result and parameters: what the job list holds. */
export type AnyJob = Job<Json, unknown>;

/** The result type of a job. */
export type ResultOf<J> = J extends Job<infer R, infer _P> ? R : never;
/** The parameter type of a job (`undefined` when it takes none). */
export type ParamsOf<J> = J extends Job<infer _R, infer P> ? P : never;

/** Global defaults; a job's own defaults and the run body override them (see src/coordinator/options.ts). */
export const JOB_DEFAULTS = {
  rowsPerRange: 10_000,
  split: "balanced",
  canary: true,
  concurrency: 8,
  maxAttempts: 3,
  timeoutSeconds: 60,
  leaseSeconds: 180,
} as const satisfies Partial<Record<keyof JobConfig<Json, unknown>, unknown>>;

/** What a job name looks like (also what URL paths accept). */
export const JOB_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Largest explicit canary, in ranges (the run body takes the same). */
export const MAX_CANARY_RANGES = 1_000_000;

/**
 * The job's table and key as quoted identifiers, validated at load time
 * (`process` receives them as `ctx.target`).
 *
 * @example
 * targetOf({ table: "public.orders", key: "id" }).table.quoted; // "\"public\".\"orders\""
 */
export function targetOf(job: Pick<JobConfig<Json, unknown>, "table" | "key">): { table: Identifier; key: Identifier } {
  return { table: new Identifier(job.table, true), key: new Identifier(job.key) };
}

function rowsField(result: Json): unknown {
  return result !== null && typeof result === "object" && !Array.isArray(result) ? result["rows"] : undefined;
}

/** `rowsOf` for a job that does not give one: the result's `rows`, which must be there. */
function defaultRowsOf(name: string, initial: Json): (result: Json) => number {
  if (typeof rowsField(initial) !== "number") {
    throw new TypeError(
      `job ${name}: its result has no numeric "rows" field (combine.initial() gave ${JSON.stringify(initial)}), so give the job a rowsOf(result)`,
    );
  }
  return (result) => {
    const rows = rowsField(result);
    if (typeof rows !== "number") throw new TypeError(`job ${name}: a result has no numeric "rows" field`);
    return rows;
  };
}

function positiveInt(name: string, field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError(`job ${name}: ${field} must be a positive integer`);
  }
  return value;
}

function rateOf(name: string, rate: Rate): Rate {
  for (const [field, value] of Object.entries(rate)) {
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new TypeError(`job ${name}: rate.${field} must be a positive number`);
    }
  }
  return rate;
}

function splitOf(name: string, value: string): Split {
  if (value !== "uniform" && value !== "balanced") {
    throw new TypeError(`job ${name}: split must be "uniform" or "balanced", got ${JSON.stringify(value)}`);
  }
  return value;
}

function canaryOf(name: string, value: boolean | number): boolean | number {
  if (typeof value === "boolean") return value;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_CANARY_RANGES) {
    throw new TypeError(`job ${name}: canary must be true, false or a number of ranges from 1 to ${MAX_CANARY_RANGES}`);
  }
  return value;
}

/**
 * Declares a job. Validates the definition at load time, so a bad table name
 * or a missing `rowsOf` fails the deploy (and the tests) rather than a run.
 * Write no type arguments: the result type is inferred from `combine` and
 * `process`, the type of `params` from its zod schema. Add the job to the
 * list in `src/jobs/index.ts` to ship it.
 *
 * @example
 * export const ordersByStatus = defineJob({
 *   name: "orders-by-status",
 *   table: "orders",
 *   key: "id",
 *   split: "uniform",
 *   params: z.object({ status: z.string() }),
 *   async process(range, { sql, target, params }) {
 *     const [row] = await sql<{ n: string }>`
 *       SELECT count(*) AS n FROM ${target.table}
 *       WHERE ${target.key} BETWEEN ${range.start} AND ${range.end} AND status = ${params.status}`;
 *     return { rows: Number(row?.n ?? 0) };
 *   },
 *   combine: fields({ rows: count() }),
 * });
 * // ordersByStatus: Job<{ rows: number }, { status: string }>
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
    split: splitOf(name, config.split ?? JOB_DEFAULTS.split),
    canary: canaryOf(name, config.canary ?? JOB_DEFAULTS.canary),
    concurrency: positiveInt(name, "concurrency", config.concurrency ?? JOB_DEFAULTS.concurrency),
    maxAttempts: positiveInt(name, "maxAttempts", config.maxAttempts ?? JOB_DEFAULTS.maxAttempts),
    leaseSeconds: positiveInt(name, "leaseSeconds", config.leaseSeconds ?? JOB_DEFAULTS.leaseSeconds),
    timeoutSeconds: positiveInt(name, "timeoutSeconds", config.timeoutSeconds ?? JOB_DEFAULTS.timeoutSeconds),
    rowsOf: config.rowsOf ?? defaultRowsOf(name, config.combine.initial()),
    ...(config.rate ? { rate: rateOf(name, config.rate) } : {}),
    ...(config.healthCheckSeconds !== undefined ? { healthCheckSeconds: positiveInt(name, "healthCheckSeconds", config.healthCheckSeconds) } : {}),
  };
}
