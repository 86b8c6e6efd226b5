/**
 * A request to start a run, validated and trigger-neutral: the API, webhooks
 * and cron all produce one, and the Coordinator plans from it.
 */
import type { ChainStart } from "../incremental/chain";
import type { Json, Rate } from "../jobs/define";
import type { Split } from "../planning/keys/key-type";

/** A validated request to start a run; unset fields take the job's defaults. */
export interface RunSpec {
  runId: string;
  job: string;
  /** Bounds in the job's key type's text form, inclusive (parsed by the key type). */
  start?: string;
  end?: string;
  /** The window excludes `end`: a scheduled window such as the previous day, `[D-1 00:00, D 00:00)`. */
  endExclusive?: boolean;
  /** A uniform split's width for time keys, an ISO-8601 duration such as "PT1H". */
  width?: string;
  rowsPerRange?: number;
  split?: Split;
  /** true: a small first window (the default); a number: that many ranges; false: none. */
  canary?: boolean | number;
  concurrency?: number;
  maxAttempts?: number;
  leaseSeconds?: number;
  timeoutSeconds?: number;
  /** Overrides the job's `rate` field by field. */
  rate?: Rate;
  params?: Json;
  /** An incremental job's run over the whole key space: true folds only new keys onto the last result; unset: the trigger's default (docs/incremental.md). */
  incremental?: boolean;
  /** Set by the job's chain object (src/incremental/job-state.ts) for a run of its chain: the base, the mode, the snapshot. */
  chain?: ChainStart;
}

