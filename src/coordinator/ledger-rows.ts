/**
 * The rows of the ledger as the Coordinator's SQLite storage holds them
 * (schema.ts). Keys are TEXT in their key type's lossless form.
 */
import type { Split } from "../planning/keys/key-type";
import type { RangeState, RunPhase, RunState } from "./types";

export interface RunRow {
  run_id: string;
  job: string;
  status: RunState;
  phase: RunPhase;
  bounds_start: string | null;
  bounds_end: string | null;
  snapshot_end: number;
  split: Split;
  canary_ranges: number;
  canary_finished_at: number | null;
  rows_per_range: number;
  concurrency: number;
  effective_concurrency: number;
  healthy_streak: number;
  last_overload_at: number | null;
  max_attempts: number;
  lease_ms: number;
  timeout_ms: number;
  params: string;
  accumulator: string;
  rows: number;
  error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  /** Calls the run's lanes made. */
  lane_calls: number;
  planning_ms: number | null;
  /** The id the next lane gets. */
  next_lane: number;
  /** Lane starts the queue refused in a row; the resend backs off with it. */
  send_failures: number;
  /** Since when every send failed; null while sends succeed. */
  send_failing_since: number | null;
  /** The job's key type when the run was planned. */
  key_type: string;
  /** 1 when the window's end is excluded (a scheduled window such as the previous day). */
  bounds_end_exclusive: number;
  /** Random per run (a UUID): keys the run's exactly-once records and locks in the user's database. */
  nonce: string;
  /** 1 when the run's job writes exactly once: the run has records in the effects table. */
  effects: number;
  /** When the run's effects records were deleted; a run without them can no longer be retried. */
  effects_deleted_at: number | null;
  /** A run of an incremental job's chain: its record as JSON (src/incremental/run-chain.ts); null otherwise. */
  chain: string | null;
  /** The run's rate limits (null: none); see pacing.ts. */
  rate_ranges: number | null;
  rate_rows: number | null;
  /** Each limit's theoretical arrival time (epoch ms): the earliest start slot it allows next. */
  pace_ranges_at: number;
  pace_rows_at: number;
  /** The health check's last verdict; null until the first one (see health.ts). */
  health: "healthy" | "unhealthy" | null;
  health_reason: string | null;
  health_checked_at: number | null;
  /** The open request to a lane to run the check. */
  health_asked_at: number | null;
  health_asked_lane: number | null;
  /** When the run was paused by hand; null while it is not paused. */
  paused_at: number | null;
}

export interface RangeRow {
  id: number;
  start: string;
  end: string;
  status: RangeState;
  attempt: number;
  attempt_limit: number | null;
  parent: number | null;
  canary: number;
  lease_until: number | null;
  not_before: number | null;
  rows: number | null;
  duration_ms: number | null;
  error_code: string | null;
  error_message: string | null;
  updated_at: number | null;
  /** The lane that holds the lease while `running`. */
  lane: number | null;
  /** The last attempt a lane said it began running. */
  started_attempt: number | null;
  /** How many splits made this range from a planned one (0 for a planned range). */
  depth: number;
  /** 1: the range is `[start, end)`; 0: `[start, end]`. */
  end_exclusive: number;
  /** 1: the range of rows whose key is NULL (start and end are empty). */
  nulls: number;
  /** The range's place in key order (text that sorts like the keys; a split's halves extend their parent's). */
  pos: string;
  /** 1: one key value (or NULL) holds more rows than a range should, and it cannot be split. */
  oversized: number;
  /** Rows the plan expected, where it knows. */
  estimate: number | null;
  /** When a lane began its latest attempt (the lane's clock, epoch ms). */
  started_at: number | null;
  /** Rows its latest grant was charged for under a rows-per-second limit; corrected by the rows it reports. */
  paced_rows: number | null;
}

export interface LeasedRange {
  id: number;
  start: string;
  end: string;
  end_exclusive: number;
  nulls: number;
  attempt: number;
  /** Split parents, nearest first (absent for a planned range). */
  ancestors?: number[];
}

/** A range to append to the ledger: its keys (text form) or the NULL range, and its place in key order. */
export interface NewRange {
  start: string;
  end: string;
  endExclusive: boolean;
  nulls: boolean;
  pos: string;
  oversized: boolean;
  estimate: number | null;
}

export type RangeCounts = Record<Exclude<RangeState, "split" | "dropped">, number> & { total: number };
