/**
 * The JSON the dashboard reads from the HTTP API: only the fields it uses.
 *
 * The browser code cannot import the Worker's own types (they pull in Worker
 * modules typed against the Workers runtime, which conflicts with the DOM
 * lib), so it declares what it reads here. src/ui/wire-contract.ts checks,
 * in the Worker's typecheck, that what the Worker answers still fits these.
 */

export type { RunState } from "../../lib/run-state";
import type { RunState } from "../../lib/run-state";

export interface RangeCounts {
  total: number;
  pending: number;
  running: number;
  done: number;
  failed: number;
}

export interface RunErrorView {
  rangeId: number | null;
  start?: string;
  end?: string;
  attempts?: number;
  code: string | null;
  message: string;
}

/** `GET /api/runs/:runId`, and each event of `GET /api/runs/:runId/events`. */
export interface RunView {
  runId: string;
  job: string;
  status: RunState;
  phase: string;
  ranges: RangeCounts;
  concurrency: { limit: number; effective: number };
  lanes: { active: number; calls: number };
  pacing: { state: "running" | "waiting-rate" | "unhealthy" | "paused"; reason: string | null };
  rows: number;
  result: unknown;
  /** A run of an incremental job's chain (docs/incremental.md); null otherwise. */
  incremental: IncrementalView | null;
  errors: RunErrorView[];
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface IncrementalView {
  mode: "full" | "incremental" | "reconcile";
  baseRunId: string | null;
  processed: { start: string; end: string } | null;
  watermark: string | null;
  rescanFrom: string | null;
  reconciliation: { outcome: "match" | "mismatch"; expected: unknown } | null;
}

/** One bin of `GET /api/runs/:runId/strip`: consecutive ranges in key order. */
export interface StripBinView {
  /** Keys in their text form (UUIDs, ISO timestamps, text); null for the NULL range's bin. */
  start: string | null;
  end: string | null;
  endInclusive: boolean;
  nulls: boolean;
  oversized: number;
  ranges: number;
  pending: number;
  running: number;
  done: number;
  failed: number;
  rows: number;
  maxDurationMs: number | null;
  maxAttempts: number;
  rangeId: number | null;
  error: { rangeId: number; attempt: number; code: string | null; message: string } | null;
}

export interface StripView {
  bins: StripBinView[];
}

/** One line of `GET /api/runs`. */
export interface HistoryLine {
  runId: string;
  job: string;
  status: RunState | "skipped";
  trigger: string;
  note: string | null;
  incremental: { mode: string; reconciliation: "match" | "mismatch" | null } | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface HistoryPageView {
  runs: HistoryLine[];
  nextCursor: string | null;
}

/** `GET /api/jobs`. */
export interface JobsView {
  jobs: Array<{ name: string }>;
}

/** The API's error envelope. */
export interface ErrorEnvelope {
  error: { code: string; message: string };
}

/** `POST /api/jobs/:job/runs`: the fields the start form sends. */
export interface StartRunBody {
  start?: string;
  end?: string;
  rowsPerRange?: number;
  concurrency?: number;
  canary?: boolean;
}
