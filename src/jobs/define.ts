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
import { KEY_TYPE_NAMES, type KeyType, type KeyTypeName, type Split } from "../planning/keys/key-type";
import { Identifier, isIdentifier, type Fragment, type Sql } from "../db/sql";
import { keyTypeOf } from "../planning/keys";
import { scheduleWindowProblem } from "../runs/schedule-window";
import { canaryOf, defaultRowsOf, incrementalOf, positiveInt, rateOf, splitOf, writesOf } from "./job-checks";

export { MAX_CANARY_RANGES } from "./job-checks";

/** Any JSON value. Range results are stored and sent as JSON. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A key as a job sees it: a bigint for integer keys, the Postgres text form for every other type (never a JS Date, which drops microseconds). */
export type KeyOf<T extends KeyTypeName> = T extends "integer" ? bigint : string;

interface RangeBase {
  /** The range's id in the run's ledger. */
  id: number;
  /** "The key is in this range", as SQL to interpolate: `WHERE ${range.where}`. Right for every key type and for the NULL range. */
  where: Fragment;
  /** 1 on the first try, 2 on the first retry, … */
  attempt: number;
}

/** A range of keys: `[start, end]` when `endInclusive`, else `[start, end)`. Integer ranges are always inclusive. */
export interface KeyedRange<K> extends RangeBase {
  nulls: false;
  start: K;
  end: K;
  endInclusive: boolean;
}

/** The rows whose key is NULL: a range of their own, covered like any other. */
export interface NullRange extends RangeBase {
  nulls: true;
  start: null;
  end: null;
  endInclusive: true;
}

/** What `process` gets: a range of keys, or the NULL range. Prefer `range.where` to comparing `start` and `end` by hand. */
export type Range<K = bigint> = KeyedRange<K> | NullRange;

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
  /**
   * What the combine computes, as text (the combiners of combiners.ts set it):
   * part of an incremental job's version, since two combiners can share the
   * source of their `merge` closure.
   */
  describe?: string;
}

export interface JobConfig<R extends Json, P, T extends KeyTypeName = "integer"> {
  /** Lower-case name used in URLs: `[a-z0-9][a-z0-9-]*`. */
  name: string;
  description?: string;
  /** Table to split, optionally schema-qualified (`"public.orders"`). */
  table: string;
  /** Key column the ranges are cut on (`"ctid"` for the `ctid` key type). */
  key: string;
  /**
   * The key column's type: `"integer"` (the default: smallint, integer,
   * bigint), `"uuid"`, `"timestamptz"`, `"timestamp"`, `"date"`, `"text"`
   * (text and varchar), or `"ctid"` (no key: the physical row position).
   * Checked against the catalog when a run is planned.
   */
  keyType?: T;
  /**
   * Rows whose key is NULL: `"include"` (the default) gives them a range of
   * their own in a run over the whole table; `"refuse"` fails the run at plan
   * time if the table holds NULL keys.
   */
  nullKeys?: "include" | "refuse";
  /**
   * Whether the job writes to the database. Absent: it only reads, and pays
   * for nothing below. Any value runs each range in one transaction that
   * rangemap opens and commits, so the range's writes commit together or not
   * at all. `"exactly-once"` also records each range's completion in the same
   * transaction (docs/exactly-once.md): a range whose writes committed never
   * runs again, whatever is retried, split, lost or restarted.
   * `"at-least-once"` leaves duplicates to the job (its writes must be idempotent).
   */
  writes?: "exactly-once" | "at-least-once";
  /** Default keys (uniform split) or rows (balanced split) per range. */
  rowsPerRange?: number;
  /** Default split: `"balanced"` (even rows per range) or `"uniform"` (even keys per range, or time windows). */
  split?: Split;
  /** Default width of a uniform split of a time key, as an ISO-8601 duration: `"PT1H"` is one range per hour. */
  width?: string;
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
   * For a scheduled job on a time key (timestamptz, timestamp, date): each
   * scheduled run covers the previous whole period of this fixed length
   * (an ISO-8601 duration), aligned in UTC, its end excluded. `"P1D"` is the
   * previous day, `[D−1 00:00, D 00:00)`: a row at midnight is counted once.
   * Runs started through the API cover what their body says.
   */
  scheduleWindow?: string;
  /**
   * What a scheduled run does while the job's previous run is still going:
   * `"skip"` (the default) records a skipped run and starts nothing;
   * `"allow"` starts it anyway.
   */
  overlap?: "skip" | "allow";
  /**
   * The job supports incremental runs (docs/incremental.md): its table is
   * append-only on its key, and a run can fold only the keys past the last
   * run's watermark onto that run's result. Integer and time keys only.
   * `margin`: keys below the watermark every run re-scans, filtered by
   * visibility (a number of keys; an ISO-8601 duration for time keys);
   * `reconcileEvery`: every Nth scheduled run is a full run that checks the
   * cumulative result; `version`: bump it to force a full run.
   */
  incremental?: true | IncrementalConfig;
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
  process(range: Range<KeyOf<T>>, ctx: ProcessContext<P>): Promise<R>;
  combine: Combine<R>;
  /**
   * Rows a result covers, for progress. Required unless `combine.initial()`
   * has a numeric `rows` field, which is then the default.
   */
  rowsOf?(result: R): number;
}

export interface IncrementalConfig {
  margin?: number | string;
  reconcileEvery?: number;
  version?: string;
}

/** A defined job; the defaults are filled in. */
export interface Job<R extends Json = Json, P = unknown, T extends KeyTypeName = KeyTypeName> extends Omit<JobConfig<R, P, T>, "process" | "incremental"> {
  keyType: T;
  /** Incremental runs, with the defaults filled in; null for a job that does not support them. */
  incremental: { margin: number | string; reconcileEvery: number | null; version: string | null } | null;
  nullKeys: "include" | "refuse";
  /** Runs one range; the range's keys are typed by the job's key type. */
  process(range: Range<KeyOf<T>>, ctx: ProcessContext<P>): Promise<R>;
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
export type ResultOf<J> = J extends Job<infer R, infer _P, infer _T> ? R : never;
/** The parameter type of a job (`undefined` when it takes none). */
export type ParamsOf<J> = J extends Job<infer _R, infer P, infer _T> ? P : never;

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
 *       WHERE ${range.where} AND status = ${params.status}`;
 *     return { rows: Number(row?.n ?? 0) };
 *   },
 *   combine: fields({ rows: count() }),
 * });
 * // ordersByStatus: Job<{ rows: number }, { status: string }>
 */
export function defineJob<R extends Json, P = undefined, T extends KeyTypeName = "integer">(config: JobConfig<R, P, T>): Job<R, P, T> {
  if (!JOB_NAME.test(config.name)) {
    throw new TypeError(`job name ${JSON.stringify(config.name)} must match ${JOB_NAME}`);
  }
  const keyType = (config.keyType ?? "integer") as T;
  if (!KEY_TYPE_NAMES.includes(keyType)) {
    throw new TypeError(`job ${config.name}: keyType ${JSON.stringify(keyType)} is not one of ${KEY_TYPE_NAMES.join(", ")}`);
  }
  const keys = keyTypeOf({ keyType });
  if (keyType === "ctid" && config.key !== "ctid") {
    throw new TypeError(`job ${config.name}: a ctid job splits on the row position; its key must be "ctid"`);
  }
  if (keyType === "ctid" && config.writes) {
    throw new TypeError(`job ${config.name}: a job that writes cannot split on ctid: an UPDATE moves a row to a new ctid, so a row could be written twice or never`);
  }
  if (config.nullKeys !== undefined && config.nullKeys !== "include" && config.nullKeys !== "refuse") {
    throw new TypeError(`job ${config.name}: nullKeys must be "include" or "refuse"`);
  }
  for (const [field, value] of [["table", config.table], ["key", config.key]] as const) {
    if (!isIdentifier(value, field === "table")) {
      throw new TypeError(`job ${config.name}: ${field} ${JSON.stringify(value)} is not a valid SQL identifier`);
    }
  }
  const name = config.name;
  const windowProblem = config.scheduleWindow === undefined ? null : scheduleWindowProblem(keyType, config.scheduleWindow, config.schedule);
  if (windowProblem) throw new TypeError(`job ${name}: ${windowProblem}`);
  if (config.scheduleWindow !== undefined && config.incremental) {
    throw new TypeError(`job ${name}: scheduleWindow and incremental exclude each other: a scheduled run covers either a fixed window or the keys past the last run`);
  }
  const split = splitOf(name, config.split ?? keys.splits[0] ?? JOB_DEFAULTS.split);
  if (!keys.splits.includes(split)) {
    throw new TypeError(`job ${name}: a ${keyType} key splits only ${keys.splits.map((x) => `"${x}"`).join(" or ")}, not "${split}"`);
  }
  return {
    ...config,
    incremental: incrementalOf(name, keys, config.incremental),
    keyType,
    nullKeys: config.nullKeys ?? "include",
    rowsPerRange: positiveInt(name, "rowsPerRange", config.rowsPerRange ?? JOB_DEFAULTS.rowsPerRange),
    split,
    canary: canaryOf(name, config.canary ?? JOB_DEFAULTS.canary),
    concurrency: positiveInt(name, "concurrency", config.concurrency ?? JOB_DEFAULTS.concurrency),
    maxAttempts: positiveInt(name, "maxAttempts", config.maxAttempts ?? JOB_DEFAULTS.maxAttempts),
    leaseSeconds: positiveInt(name, "leaseSeconds", config.leaseSeconds ?? JOB_DEFAULTS.leaseSeconds),
    timeoutSeconds: positiveInt(name, "timeoutSeconds", config.timeoutSeconds ?? JOB_DEFAULTS.timeoutSeconds),
    rowsOf: config.rowsOf ?? defaultRowsOf(name, config.combine.initial()),
    ...(config.writes === undefined ? {} : { writes: writesOf(name, config.writes) }),
    ...(config.rate ? { rate: rateOf(name, config.rate) } : {}),
    ...(config.healthCheckSeconds !== undefined ? { healthCheckSeconds: positiveInt(name, "healthCheckSeconds", config.healthCheckSeconds) } : {}),
  };
}
