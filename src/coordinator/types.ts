/**
 * Shapes that cross a boundary: API → Coordinator (RPC), Coordinator → queue →
 * consumer, consumer → Coordinator. Keys are bigint in RPC (structured clone
 * keeps them) and decimal strings in queue messages and JSON.
 */
import type { IncrementalStatus } from "../incremental/chain";
import type { Json } from "../jobs/define";
import type { Split } from "../planning/keys/key-type";
import type { ChainFilter } from "../planning/keys/predicate";
import type { Outcome } from "../lib/domain-error";
import type { RunState } from "../lib/run-state";

export { isFinished, type RunState } from "../lib/run-state";

export type RunPhase = "canary" | "main" | "done";
/**
 * `split`: retired in favour of two children that cover it. `dropped`: a
 * descendant of a split range whose own writes committed late (exactly-once
 * jobs, docs/exactly-once.md): the ancestor's recorded result was folded in
 * its place, so it will never run. Neither counts towards the run's ranges.
 */
export type RangeState = "pending" | "running" | "done" | "failed" | "split" | "dropped";

/** The body of a queue message: "start a lane for this run". It leases nothing; the lane claims ranges when it calls. */
export interface LaneMessage {
  v: 2;
  runId: string;
  job: string;
  /** The lane's id in the run's Coordinator; a lane the Coordinator no longer knows stops at once. */
  lane: number;
}

/** One range leased to a lane. Keys in their text form: `[start, end)` when `endExclusive`, else `[start, end]`; or the NULL range. */
export interface RangeTask {
  rangeId: number;
  attempt: number;
  start: string;
  end: string;
  endExclusive: boolean;
  nulls: boolean;
  /**
   * The split parents of a range cut from another, nearest first, the planned
   * range last; absent for a planned range. Exactly-once jobs check their
   * records and take their locks along this chain (src/db/effects.ts).
   */
  ancestors?: number[];
  /** Pacing: do not begin the range before this time (epoch ms); absent when it may begin at once. */
  notBefore?: number;
}

/** A health check's verdict, as the lane that ran it reports it (see src/coordinator/health.ts). */
export interface HealthVerdict {
  healthy: boolean;
  reason: string | null;
}

/** A lane's call to its run's Coordinator: what it finished, what it started, how many more ranges it wants. */
export interface LaneCall {
  lane: number;
  reports: RangeReport[];
  /** Ranges (with their attempt) the lane began running since its last call, and when (epoch ms). */
  started: Array<[rangeId: number, attempt: number, startedAt: number]>;
  /** Leased ranges the lane gives back without running them; their attempts are not spent. */
  release: Array<[rangeId: number, attempt: number]>;
  /** How many more ranges to lease now. */
  want: number;
  /** The lane is handing back: it will call no more. */
  done: boolean;
  /** The verdict of the health check the Coordinator asked this lane to run, once it has run. */
  health?: HealthVerdict;
}

/** The Coordinator's answer to a lane. */
export interface LaneGrant {
  ranges: RangeTask[];
  /** Stop taking ranges: the run is over, cancelled, or over its concurrency; release what is held. */
  stop: boolean;
  /** Every range the lane holds is leased until then (epoch ms); a range that could not finish by then is not started. */
  leaseUntil: number;
  /** The range time limit, the run's target rows per range and its parameters. */
  timeoutMs: number;
  rowsPerRange: number;
  params: Json;
  /** The run's random nonce: what keys its exactly-once records and locks (never the run id, which may be deterministic). */
  nonce: string;
  /** An incremental job's visibility filter near its watermark, for every range's `where` (docs/incremental.md); absent outside a chain. */
  chain?: ChainFilter | null;
  /** How often the lane should call at most, so all of the run's lanes together stay well within what one Coordinator serves. */
  callIntervalMs: number;
  /**
   * Pacing: no range was granted because of the rate, the health check or a
   * pause; call again after this long (instead of handing back). Absent otherwise.
   */
  waitMs?: number;
  /** Give back the ranges held and not begun: the database is unhealthy. */
  hold?: boolean;
  /** Run the job's health check before the next range, and report its verdict in the next call. */
  checkHealth?: boolean;
}

/** Why dispatch is going at the pace it is (`GET /api/runs/:runId`, `pacing`). */
export interface PacingStatus {
  /**
   * `running`: granting as fast as the concurrency allows; `waiting-rate`:
   * held back by the rate limit; `unhealthy`: the health check failed, no
   * range starts; `paused`: paused by hand.
   */
  state: "running" | "waiting-rate" | "unhealthy" | "paused";
  reason: string | null;
  rate: { rangesPerSecond: number | null; rowsPerSecond: number | null };
  /** The last health check; null for a job without one, or before its first verdict. */
  health: { healthy: boolean; reason: string | null; checkedAt: string } | null;
  pausedAt: string | null;
}

export interface RangeFailure {
  /** SQLSTATE or a rangemap code such as `job_error`; null for a job's own Error. Its meaning is in src/lib/error-policy.ts. */
  code: string | null;
  message: string;
  /** Where to split the range, for a key type that asks Postgres (text): a key strictly inside it. */
  cut?: string;
}

/** One range's outcome, as the consumer reports it. */
export type RangeReport =
  | {
      rangeId: number;
      attempt: number;
      ok: true;
      result: Json;
      rows: number;
      durationMs: number;
      /**
       * Exactly-once jobs: the job did not run, because this range (an earlier
       * attempt) or one of its split ancestors had already committed; the
       * result is the one recorded then, by the range with this id.
       */
      recordedBy?: number;
    }
  | { rangeId: number; attempt: number; ok: false; error: RangeFailure; durationMs: number };

export interface RunError {
  rangeId: number | null;
  start?: string;
  end?: string;
  attempts?: number;
  code: string | null;
  message: string;
}

/** `GET /api/runs/:runId`, per the HTTP contract. */
export interface RunStatus {
  runId: string;
  job: string;
  status: RunState;
  phase: RunPhase;
  /** `endFromSnapshot`: end was max(key) when the run started; rows inserted above it later are not in the run. */
  /** The job's key type: how to read the bounds and range keys (text form for all but integers' decimal strings). */
  keyType: string;
  /** `endInclusive` is false for a scheduled window such as the previous day, `[start, end)`. */
  bounds: { start: string | null; end: string | null; endInclusive: boolean; endFromSnapshot: boolean };
  /** `oversized`: ranges that hold more rows than a range should and cannot be split (one key value, or NULL keys). */
  ranges: { total: number; pending: number; running: number; done: number; failed: number; oversized: number };
  /** The run's concurrency limit, and the level it runs at now (lowered while the database is overloaded). */
  concurrency: { limit: number; effective: number };
  /** Lanes running or starting now, and the calls the run's lanes have made to the Coordinator. */
  lanes: { active: number; calls: number };
  /** How long planning took; null for runs planned before it was recorded. */
  planningMs: number | null;
  rows: number;
  /** The canary window and what it measured; null when the run had none. */
  canary: CanaryStatus | null;
  /** Rate limit, health check and pause: why ranges start at the pace they do. */
  pacing: PacingStatus;
  result: Json;
  /** A run of an incremental job's chain: its mode, base run, the keys it processed and the watermark it leaves (docs/incremental.md); null otherwise. */
  incremental: IncrementalStatus | null;
  errors: RunError[];
  options: {
    split: Split;
    rowsPerRange: number;
    concurrency: number;
    maxAttempts: number;
    leaseSeconds: number;
    timeoutSeconds: number;
  };
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface CanaryStatus {
  ranges: number;
  done: number;
  failed: number;
  rows: number;
  /** Wall time of the canary phase, once it is over. */
  seconds: number | null;
  /** The rest of the run's duration projected from the canary's throughput. */
  projectedSeconds: number | null;
}

/** What `create`, `cancel` and `retry` answer: the run, or a domain failure. */
export type RunOutcome = Outcome<{ created: boolean; run: RunStatus }>;
