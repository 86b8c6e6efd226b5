/**
 * The run status view (`GET /api/runs/:runId`) assembled from the ledger.
 */
import { chainOf } from "../incremental/run-chain";
import { incrementalStatus } from "../incremental/chain";
import type { Json } from "../jobs/define";
import type { Ledger, RunRow } from "./ledger";
import { pacingStatus } from "./pacing";
import type { CanaryStatus, RangeState, RunError, RunStatus } from "./types";

const MAX_ERRORS_SHOWN = 100;

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function canaryStatus(ledger: Ledger, run: RunRow, total: number): CanaryStatus | null {
  if (run.canary_ranges === 0) return null;
  const c = ledger.canaryStats();
  const finished = run.canary_finished_at;
  const seconds = finished === null ? null : (finished - run.created_at) / 1000;
  // The rest of the run at the canary's per-range time, spread over the run's concurrency.
  const rest = total - c.ranges;
  const projectedSeconds =
    c.avgMs === null || c.done === 0 ? null : Math.round((rest * c.avgMs) / Math.max(1, run.concurrency)) / 1000;
  return { ranges: c.ranges, done: c.done, failed: c.failed, rows: c.rows, seconds, projectedSeconds };
}

function chainStatus(run: RunRow) {
  const record = chainOf(run);
  return record ? incrementalStatus(record) : null;
}

export function runStatus(ledger: Ledger, run: RunRow, lanes: number): RunStatus {
  const errors: RunError[] = [];
  if (run.error) errors.push({ rangeId: null, code: null, message: run.error });
  errors.push(...ledger.failedRanges(MAX_ERRORS_SHOWN));
  const { total, pending, running, done, failed } = ledger.counts();
  return {
    runId: run.run_id,
    job: run.job,
    status: run.status,
    phase: run.phase,
    keyType: run.key_type,
    bounds: { start: run.bounds_start, end: run.bounds_end, endInclusive: run.bounds_end_exclusive !== 1, endFromSnapshot: run.snapshot_end === 1 },
    ranges: { total, pending, running, done, failed, oversized: ledger.oversizedCount() },
    concurrency: { limit: run.concurrency, effective: run.effective_concurrency },
    lanes: { active: lanes, calls: run.lane_calls },
    planningMs: run.planning_ms,
    rows: run.rows,
    canary: canaryStatus(ledger, run, total),
    pacing: pacingStatus(run, Date.now()),
    result: JSON.parse(run.accumulator) as Json,
    incremental: chainStatus(run),
    errors,
    options: {
      split: run.split,
      rowsPerRange: run.rows_per_range,
      concurrency: run.concurrency,
      maxAttempts: run.max_attempts,
      leaseSeconds: run.lease_ms / 1000,
      timeoutSeconds: run.timeout_ms / 1000,
    },
    createdAt: iso(run.created_at) ?? "",
    updatedAt: iso(run.updated_at) ?? "",
    finishedAt: iso(run.finished_at),
  };
}

/** One range of the ledger, as `GET /api/runs/:runId/ranges` shows it. */
export interface RangeView {
  id: number;
  /** Keys in their text form; null for the NULL range. */
  start: string | null;
  end: string | null;
  /** The range includes `end` (integer ranges always do); else it stops before it. */
  endInclusive: boolean;
  /** The range of rows whose key is NULL. */
  nulls: boolean;
  /** The range's place in key order: sort by it to list ranges as the keys run (ids follow the plan, then splits). */
  position: string;
  /** One key value (or NULL) holds more rows than a range should, and the range cannot be split. */
  oversized: boolean;
  /** Rows the plan expected, where it knows. */
  estimatedRows: number | null;
  status: RangeState;
  attempts: number;
  parent: number | null;
  rows: number | null;
  durationMs: number | null;
  /** When a lane began the range's latest attempt; it ended `durationMs` later. */
  startedAt: string | null;
  error: { code: string | null; message: string } | null;
  updatedAt: string | null;
}

export interface RangePage {
  ranges: RangeView[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export function rangePage(ledger: Ledger, status: RangeState | null, afterId: number, limit: number): RangePage {
  const rows = ledger.page(status, afterId, limit + 1);
  const page = rows.slice(0, limit);
  return {
    ranges: page.map((r) => ({
      id: r.id,
      start: r.nulls === 1 ? null : r.start,
      end: r.nulls === 1 ? null : r.end,
      endInclusive: r.end_exclusive !== 1,
      nulls: r.nulls === 1,
      position: r.pos,
      oversized: r.oversized === 1,
      estimatedRows: r.estimate,
      status: r.status,
      attempts: r.attempt,
      parent: r.parent,
      rows: r.rows,
      durationMs: r.duration_ms,
      startedAt: iso(r.started_at),
      error: r.error_code !== null || r.error_message !== null ? { code: r.error_code, message: r.error_message ?? "" } : null,
      updatedAt: iso(r.updated_at),
    })),
    nextCursor: rows.length > limit ? String(page.at(-1)?.id ?? "") : null,
  };
}
