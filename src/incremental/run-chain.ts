/**
 * The Coordinator's side of a chain run (chain.ts): where planning starts and
 * ends, the record kept on the run row (`chain`, JSON), the visibility filter
 * its ranges apply, the reconciliation's verdict, and the report to the job's
 * chain object when the run is over.
 */
import type { RunRow } from "../coordinator/ledger";
import type { RunStatus } from "../coordinator/types";
import type { AnyJob, Json } from "../jobs/define";
import { logError } from "../lib/log";
import type { KeyRange, KeyType } from "../planning/keys/key-type";
import type { ChainFilter } from "../planning/keys/predicate";
import { canonical, type ChainRecord, type ChainStart } from "./chain";
import { jobStateFor } from "./job-state-stub";

/** Where the run's plan starts and ends: incremental runs start at the base's margin, reconciliations end at its watermark. */
export function chainWindow(start: ChainStart): { start?: string; end?: string; nulls: boolean } {
  if (start.mode === "incremental" && start.base) return { start: start.base.from, nulls: false };
  if (start.mode === "reconcile" && start.base) return { end: start.base.end, nulls: true };
  return { nulls: true };
}

function max(keys: KeyType, a: string, b: string): string {
  return (keys.compare(a, b) ?? 0) >= 0 ? a : b;
}

/** The run's chain record, once its window is planned (`bounds`: the planned window, null when the table had no key in it). */
export function chainRecord(keys: KeyType, start: ChainStart, bounds: KeyRange | null): ChainRecord {
  const inc = keys.incremental;
  if (!inc) throw new TypeError(`key type ${keys.name} has no incremental runs`);
  const planned = bounds && (keys.compare(bounds.start, bounds.end) ?? 0) <= 0 ? { start: bounds.start, end: bounds.end } : null;
  const common = { mode: start.mode, baseRunId: start.baseRunId, supersedes: start.supersedes, version: start.version, processed: planned, expected: null, reconciliation: null };
  const { base } = start;
  if (start.mode === "reconcile" && base) {
    return { ...common, expected: start.baseResult, filter: { settle: { from: base.from, xmin: base.xmin }, rescan: null }, watermark: base };
  }
  if (start.mode === "incremental" && base) {
    const end = planned ? max(keys, planned.end, base.end) : base.end;
    const from = max(keys, base.from, inc.rescanFrom(end, start.margin));
    const filter: ChainFilter = { settle: { from, xmin: start.xmin }, rescan: { to: base.end, xmin: base.xmin } };
    return { ...common, filter, watermark: { end, from, xmin: start.xmin } };
  }
  if (!planned) return { ...common, filter: { settle: null, rescan: null }, watermark: null };
  const from = inc.rescanFrom(planned.end, start.margin);
  return { ...common, filter: { settle: { from, xmin: start.xmin }, rescan: null }, watermark: { end: planned.end, from, xmin: start.xmin } };
}

/** The accumulator a chain run starts from: an incremental run folds onto its base's result. */
export function startingResult(start: ChainStart, job: AnyJob): Json {
  return start.mode === "incremental" ? start.baseResult : job.combine.initial();
}

export function saveChain(sql: SqlStorage, record: ChainRecord): void {
  sql.exec("UPDATE run SET chain = ? WHERE id = 1", JSON.stringify(record));
}

export function chainOf(run: Pick<RunRow, "chain">): ChainRecord | null {
  return run.chain ? (JSON.parse(run.chain) as ChainRecord) : null;
}

/** The filter a run's ranges apply (sent with every lane grant); null for a run outside a chain. */
export function filterOf(run: Pick<RunRow, "chain">): ChainFilter | null {
  return chainOf(run)?.filter ?? null;
}

/** Two results as the job's own combine would fold them: equal means equal JSON after `merge(initial(), x)`, keys in any order. */
function sameResult(job: AnyJob, a: Json, b: Json): boolean {
  const norm = (x: Json) => canonical(job.combine.merge(job.combine.initial(), x));
  return norm(a) === norm(b);
}

/**
 * A reconciliation that has succeeded gets its verdict, once, on the run row:
 * a mismatch is logged as an error and shown in the status, the history and
 * the dashboard. Returns true when it wrote one.
 */
export function settleReconciliation(sql: SqlStorage, run: RunRow, job: AnyJob | undefined): boolean {
  const record = chainOf(run);
  if (!record || record.mode !== "reconcile" || run.status !== "succeeded" || record.reconciliation || !job) return false;
  const result = JSON.parse(run.accumulator) as Json;
  const outcome = sameResult(job, result, record.expected) ? "match" : "mismatch";
  saveChain(sql, { ...record, reconciliation: { outcome, expected: record.expected } });
  if (outcome === "mismatch") {
    logError("reconciliation mismatch", { runId: run.run_id, job: run.job, baseRunId: record.baseRunId, expected: canonical(record.expected), result: canonical(result) });
  }
  return true;
}

const ATTEMPTS = 3;
const BACKOFF_MS = 100;

/**
 * Tells the job's chain object that a chain run is over. Never throws: the
 * chain object also asks a run it still thinks is going before it picks the
 * next base, so a lost report delays nothing.
 */
export async function reportToChain(env: Env, status: RunStatus): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await jobStateFor(env, status.job).finished(status);
      return;
    } catch (err) {
      if (attempt >= ATTEMPTS) {
        logError("chain not told of a finished run", { runId: status.runId, error: err instanceof Error ? err.message : String(err) });
        return;
      }
      await new Promise((r) => setTimeout(r, BACKOFF_MS * 4 ** (attempt - 1)));
    }
  }
}

/**
 * A chain run that is over: its reconciliation's verdict is settled in the
 * run row, and the job's chain object is told, not awaited (it may be
 * waiting on this very run's create). True when the run row changed.
 */
export function closeChainRun(sql: SqlStorage, env: Env, run: RunRow, job: AnyJob | undefined, status: () => RunStatus, waitUntil: (p: Promise<unknown>) => void): boolean {
  const changed = settleReconciliation(sql, run, job);
  waitUntil(reportToChain(env, status()));
  return changed;
}
