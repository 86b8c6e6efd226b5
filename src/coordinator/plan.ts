/**
 * Planning for a new run: check the key, find the bounds, cut the ranges.
 * The only database work the Coordinator does; all of it read-only.
 */
import { withClient, type DbEnv } from "../db/connect";
import { Identifier, sqlOf } from "../db/sql";
import type { Job, Json } from "../jobs/define";
import { describeError } from "../lib/errors";
import { planBalanced } from "../planning/balanced";
import { checkKey, keyBounds, PlanningError } from "../planning/bounds";
import { MAX_RANGES, planUniform, uniformCount, type KeyRange } from "../planning/uniform";
import type { ApiFailure, Split } from "./types";

export interface Plan {
  split: Split;
  bounds: { start: bigint; end: bigint } | null;
  /** True when `end` was read from max(key) at planning time, not given. */
  snapshotEnd: boolean;
  ranges: KeyRange[];
  /** Estimated rows per range, aligned with `ranges`. */
  estimates: number[];
}

export interface PlanOptions {
  start?: bigint;
  end?: bigint;
  rowsPerRange: number;
  split: Split;
}

export type PlanResult = { ok: true; plan: Plan } | { ok: false; error: ApiFailure };

function tooMany(message: string): PlanResult {
  return {
    ok: false,
    error: { status: 400, code: "too_many_ranges", message: `${message}; raise rowsPerRange, narrow start/end, or use split "balanced"` },
  };
}

export async function planRun(env: DbEnv, job: Job<Json, unknown>, opts: PlanOptions): Promise<PlanResult> {
  const table = new Identifier(job.table, true);
  const key = new Identifier(job.key);
  try {
    return await withClient(env, async (client) => {
      const sql = sqlOf(client);
      await checkKey(sql, table, key, job.allowUnindexedKey ?? false);
      const found = opts.start === undefined || opts.end === undefined ? await keyBounds(sql, table, key) : null;
      const start = opts.start ?? found?.start;
      const end = opts.end ?? found?.end;
      const base = { split: opts.split, snapshotEnd: opts.end === undefined };
      if (start === undefined || end === undefined || start > end) {
        return { ok: true, plan: { ...base, bounds: start !== undefined && end !== undefined ? { start, end } : null, ranges: [], estimates: [] } };
      }
      if (opts.split === "balanced") {
        const balanced = await planBalanced(sql, table, key, start, end, opts.rowsPerRange);
        return { ok: true, plan: { ...base, bounds: { start, end }, ranges: balanced.ranges, estimates: balanced.estimates } };
      }
      const width = BigInt(opts.rowsPerRange);
      const n = uniformCount(start, end, width);
      if (n > BigInt(MAX_RANGES)) {
        return tooMany(`a uniform split of [${start}, ${end}] by ${opts.rowsPerRange} keys makes ${n} ranges, over the cap of ${MAX_RANGES}`);
      }
      const ranges = planUniform(start, end, width);
      return { ok: true, plan: { ...base, bounds: { start, end }, ranges, estimates: ranges.map((r) => Number(r.end - r.start + 1n)) } };
    });
  } catch (err) {
    if (err instanceof PlanningError) return { ok: false, error: { status: 422, code: err.code, message: err.message } };
    if (err instanceof RangeError) return tooMany(err.message);
    const d = describeError(err);
    if (d.code && !d.retryable) {
      return { ok: false, error: { status: 422, code: `sqlstate_${d.code}`, message: d.message } };
    }
    return { ok: false, error: { status: 503, code: "database_unavailable", message: `could not plan the run: ${d.message}` } };
  }
}

/** min / median / max of the estimated rows per range. */
export function estimateSummary(estimates: readonly number[]): { min: number; median: number; max: number } | null {
  if (!estimates.length) return null;
  const sorted = [...estimates].sort((a, b) => a - b);
  return {
    min: Math.round(sorted[0] ?? 0),
    median: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0),
    max: Math.round(sorted.at(-1) ?? 0),
  };
}
