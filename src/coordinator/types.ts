/**
 * Shapes that cross a boundary: API → Coordinator (RPC), Coordinator → queue →
 * consumer, consumer → Coordinator. Keys are bigint in RPC (structured clone
 * keeps them) and decimal strings in queue messages and JSON.
 */
import type { Json } from "../jobs/define";
import type { Split } from "../planning/keys/key-type";
import type { Outcome } from "../lib/domain-error";
import type { RunState } from "../lib/run-state";

export { isFinished, type RunState } from "../lib/run-state";

export type RunPhase = "canary" | "main" | "done";
export type RangeState = "pending" | "running" | "done" | "failed" | "split";

/** The body of a queue message: "work on this range now". */
export interface RangeMessage {
  v: 1;
  runId: string;
  job: string;
  rangeId: number;
  attempt: number;
  start: string;
  end: string;
  /** The consumer stops the range after this long and reports a timeout. */
  timeoutMs: number;
  /** Epoch ms when the lease ends; a range still queued in a lane by then is not started. */
  leaseUntil: number;
  params: Json;
}

export interface RangeFailure {
  /** SQLSTATE or a rangemap code such as `job_error`; null for a job's own Error. Its meaning is in src/lib/error-policy.ts. */
  code: string | null;
  message: string;
}

/** One range's outcome, as the consumer reports it. */
export type RangeReport =
  | { rangeId: number; attempt: number; ok: true; result: Json; rows: number; durationMs: number }
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
  bounds: { start: string | null; end: string | null; endFromSnapshot: boolean };
  ranges: { total: number; pending: number; running: number; done: number; failed: number };
  /** The run's concurrency limit, and the level it runs at now (lowered while the database is overloaded). */
  concurrency: { limit: number; effective: number };
  rows: number;
  /** The canary window and what it measured; null when the run had none. */
  canary: CanaryStatus | null;
  result: Json;
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
