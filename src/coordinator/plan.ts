/**
 * Planning for a new run: check the key, find the bounds, cut the ranges.
 * The only database work the Coordinator does; all of it read-only.
 */
import { withClient, type DbEnv } from "../db/connect";
import { sqlOf } from "../db/sql";
import { targetOf, type Job, type Json } from "../jobs/define";
import { describeError } from "../lib/errors";
import { planBalanced } from "../planning/balanced";
import { checkKey, keyBounds, PlanningError } from "../planning/bounds";
import { MAX_RANGES, planUniform, TooManyRanges, uniformCount, type KeyRange } from "../planning/uniform";
import { logError } from "../lib/log";
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
  const { table, key } = targetOf(job);
  try {
    return await withClient(env, async (client) => {
      const sql = sqlOf(client);
      const [lo, hi] = await checkKey(sql, table, key, job.allowUnindexedKey ?? false);
      for (const [name, value] of [["start", opts.start], ["end", opts.end]] as const) {
        if (value !== undefined && (value < lo || value > hi)) {
          throw new PlanningError("invalid_bounds", `${name} ${value} does not fit the key ${key.name}, whose values are from ${lo} to ${hi}`, 400);
        }
      }
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
    if (err instanceof PlanningError) return { ok: false, error: { status: err.status, code: err.code, message: err.message } };
    if (err instanceof TooManyRanges) return tooMany(err.message);
    const d = describeError(err);
    if (d.code && !d.retryable) {
      return { ok: false, error: { status: 422, code: `sqlstate_${d.code}`, message: d.message } };
    }
    // The driver's own text can name hosts; the client gets the code, the log the detail.
    logError("planning failed", { error: d.message, code: d.code });
    return {
      ok: false,
      error: { status: 503, code: "database_unavailable", message: `could not plan the run: the database is unavailable (${d.code ?? "connection failed"})` },
    };
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
