/**
 * Resolving a run's options. Precedence, highest first, for every option:
 *
 *   1. the run body (`POST /api/jobs/:job/runs`, validated in src/api/run-options.ts);
 *   2. the job's own default (`defineJob({ split: "uniform", canary: false, … })`);
 *   3. the global default (`JOB_DEFAULTS` in src/jobs/define.ts).
 *
 * Options: rowsPerRange, split, canary, concurrency, maxAttempts,
 * leaseSeconds, timeoutSeconds, rate (field by field: a body's
 * `rate.rowsPerSecond` leaves the job's `rate.rangesPerSecond` in force). `defineJob` folds 3 into 2 at load time (a
 * job's `split`, `canary`, … are its own value or the global one), so here a
 * run takes the body's value or else the job's; `GET /api/jobs` shows the
 * same job values. Global defaults: balanced split (even ranges whatever the
 * key distribution) and a canary of about 1% of the ranges (below). The
 * resolved values are stored with the run, so a run always shows what it used.
 *
 * Whatever the precedence gives, a range's timeout is capped at half its
 * lease and at the database connector's statement limit (Hyperdrive ends a
 * query after 60 s): the caller passes the connector's limits, so this file
 * knows the limit but not which connector set it.
 */
import type { ConnectorLimits } from "../db/connector";
import type { AnyJob } from "../jobs/define";
import type { Split } from "../planning/keys/key-type";
import type { RunSpec } from "./spec";

/** A default canary is about 1% of the ranges, at least one, and at most this many rows. */
export const CANARY_FRACTION = 0.01;
export const CANARY_MAX_ROWS = 100_000;

export interface RunOptions {
  split: Split;
  /** A uniform split's width (time keys). */
  width: string | undefined;
  rowsPerRange: number;
  concurrency: number;
  maxAttempts: number;
  leaseMs: number;
  timeoutMs: number;
  canary: boolean | number;
  /** Rate limits (null: none). */
  rateRanges: number | null;
  rateRows: number | null;
}

/**
 * The run's options, from the run body, the job, and the database's limits.
 *
 * @example resolveOptions(spec, job, connectorFor(env))
 */
export function resolveOptions(spec: RunSpec, job: AnyJob, db: Pick<ConnectorLimits, "maxStatementMs">): RunOptions {
  const leaseMs = (spec.leaseSeconds ?? job.leaseSeconds) * 1000;
  const requestedMs = (spec.timeoutSeconds ?? job.timeoutSeconds) * 1000;
  return {
    split: spec.split ?? job.split,
    width: spec.width ?? job.width,
    rowsPerRange: spec.rowsPerRange ?? job.rowsPerRange,
    concurrency: spec.concurrency ?? job.concurrency,
    maxAttempts: spec.maxAttempts ?? job.maxAttempts,
    leaseMs,
    // A batch may run two ranges per lane in turn, so a range gets at most half the lease.
    timeoutMs: Math.min(requestedMs, Math.floor(leaseMs / 2), db.maxStatementMs ?? Infinity),
    canary: spec.canary ?? job.canary,
    rateRanges: spec.rate?.rangesPerSecond ?? job.rate?.rangesPerSecond ?? null,
    rateRows: spec.rate?.rowsPerSecond ?? job.rate?.rowsPerSecond ?? null,
  };
}

/**
 * How many of the first ranges form the canary window. Zero when there is no
 * canary, or when the canary would be the whole run anyway.
 */
export function canaryCount(total: number, rowsPerRange: number, canary: boolean | number): number {
  if (canary === false || total <= 1) return 0;
  const n =
    canary === true
      ? Math.min(Math.max(1, Math.ceil(total * CANARY_FRACTION)), Math.max(1, Math.floor(CANARY_MAX_ROWS / rowsPerRange)))
      : Math.max(1, Math.floor(canary));
  return n >= total ? 0 : n;
}
