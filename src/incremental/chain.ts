/**
 * Incremental runs: the shapes shared by the job's chain object (JobState,
 * which picks each run's base) and the run's Coordinator (which plans, folds
 * and reports it). The rule they implement is docs/incremental.md.
 *
 * A chain run is a run of an incremental job over the whole key space:
 * - `full`: the job has no base for this version (first run, changed code,
 *   parameters or table): plans the whole table;
 * - `incremental`: plans from the base's margin up, folds onto its result;
 * - `reconcile`: a full run with its end pinned to the base's watermark,
 *   whose result is compared with the base's cumulative result.
 */
import type { Json } from "../jobs/define";
import type { ChainFilter } from "../planning/keys/predicate";

export type ChainMode = "full" | "incremental" | "reconcile";

/**
 * What a succeeded chain run leaves for the next: its cumulative end bound,
 * the first key of its margin, and its snapshot's xmin (a 64-bit transaction
 * id, decimal): rows in `[from, end]` were folded iff their inserting
 * transaction id is below `xmin`.
 */
export interface Watermark {
  end: string;
  from: string;
  xmin: string;
}

/** What JobState hands the Coordinator with a chain run's spec. */
export interface ChainStart {
  mode: ChainMode;
  /** The run this one builds on (incremental) or checks (reconcile); null for a full run. */
  baseRunId: string | null;
  /** The chain's base when this run started, whatever the mode: the run this one replaces as the base if it succeeds first. */
  supersedes: string | null;
  /** The job's version (code, parameters, table): see version.ts. */
  version: string;
  /** xmin of a snapshot taken before planning: this run's own margin keeps rows whose transaction is below it. */
  xmin: string;
  /** The base's watermark (incremental, reconcile). */
  base: Watermark | null;
  /** The base's cumulative result: the accumulator's start (incremental) or the result to match (reconcile). */
  baseResult: Json;
  /** The job's margin, in its key type's terms. */
  margin: number | string;
}

/** A reconciliation's verdict: the cumulative result it checked, and whether its own full result equals it. */
export interface Reconciliation {
  outcome: "match" | "mismatch";
  expected: Json;
}

/** What the Coordinator keeps about a chain run (the run row's `chain` column, JSON). */
export interface ChainRecord {
  mode: ChainMode;
  baseRunId: string | null;
  supersedes: string | null;
  version: string;
  /** The key window this run processed itself; null when it had none to process. */
  processed: { start: string; end: string } | null;
  /** The visibility filter every range of this run applies. */
  filter: ChainFilter;
  /** What the run leaves for the next one once it has succeeded; null for a table with no key yet. */
  watermark: Watermark | null;
  /** reconcile: the base's cumulative result. */
  expected: Json;
  /** reconcile: set when the run has succeeded. */
  reconciliation: Reconciliation | null;
}

/** `incremental` in the run status; null for a run that is not part of a chain. */
export interface IncrementalStatus {
  mode: ChainMode;
  baseRunId: string | null;
  processed: { start: string; end: string } | null;
  /** The cumulative end bound this run leaves: every key up to it is in `result`. */
  watermark: string | null;
  /** The first key of the margin the next run re-scans. */
  rescanFrom: string | null;
  /** The xmin of this run's snapshot: in the margin, rows of transactions below it are folded. */
  snapshotXmin: string | null;
  version: string;
  reconciliation: Reconciliation | null;
}

export function incrementalStatus(record: ChainRecord): IncrementalStatus {
  return {
    mode: record.mode,
    baseRunId: record.baseRunId,
    processed: record.processed,
    watermark: record.watermark?.end ?? null,
    rescanFrom: record.watermark?.from ?? null,
    snapshotXmin: record.watermark?.xmin ?? null,
    version: record.version,
    reconciliation: record.reconciliation,
  };
}

/** Canonical JSON: object keys sorted, so equal results compare equal as text. */
export function canonical(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k] ?? null)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
