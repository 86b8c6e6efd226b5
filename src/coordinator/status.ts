/**
 * The run status view (`GET /api/runs/:runId`) assembled from the ledger.
 */
import type { Json } from "../jobs/define";
import type { Ledger, RunRow } from "./ledger";
import type { RunError, RunStatus } from "./types";

const MAX_ERRORS_SHOWN = 100;

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function runStatus(ledger: Ledger, run: RunRow): RunStatus {
  const errors: RunError[] = [];
  if (run.error) errors.push({ rangeId: null, code: null, message: run.error });
  errors.push(...ledger.failedRanges(MAX_ERRORS_SHOWN));
  const { total, pending, running, done, failed } = ledger.counts();
  return {
    runId: run.run_id,
    job: run.job,
    status: run.status,
    phase: run.phase,
    bounds: { start: run.bounds_start, end: run.bounds_end },
    ranges: { total, pending, running, done, failed },
    rows: run.rows,
    result: JSON.parse(run.accumulator) as Json,
    errors,
    options: {
      split: run.split,
      rowsPerRange: run.rows_per_range,
      concurrency: run.concurrency,
      maxAttempts: run.max_attempts,
      leaseSeconds: run.lease_ms / 1000,
    },
    createdAt: iso(run.created_at) ?? "",
    updatedAt: iso(run.updated_at) ?? "",
    finishedAt: iso(run.finished_at),
  };
}
