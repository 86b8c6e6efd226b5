/**
 * A request to start a run, validated and trigger-neutral: the API, webhooks
 * and cron all produce one, and the Coordinator plans from it.
 */
import type { Json, Rate } from "../jobs/define";
import type { Split } from "../planning/keys/key-type";

/** A validated request to start a run; unset fields take the job's defaults. */
export interface RunSpec {
  runId: string;
  job: string;
  start?: bigint;
  end?: bigint;
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
}

