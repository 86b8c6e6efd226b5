/**
 * Planning for a new run: check the key, find the bounds, cut the ranges.
 * The only database work the Coordinator does; all of it read-only.
 */
import { withClient, type DbEnv } from "../db/connect";
import { Identifier, sqlOf } from "../db/sql";
import type { Job, Json } from "../jobs/define";
import { checkKey, keyBounds, PlanningError } from "../planning/bounds";
import { MAX_RANGES, planUniform, uniformCount, type KeyRange } from "../planning/uniform";
import { describeError } from "../lib/errors";
import type { ApiFailure } from "./types";

export interface Plan {
  bounds: { start: bigint; end: bigint } | null;
  ranges: KeyRange[];
}

export type PlanResult = { ok: true; plan: Plan } | { ok: false; error: ApiFailure };

export async function planRun(
  env: DbEnv,
  job: Job<Json, unknown>,
  opts: { start?: bigint; end?: bigint; rowsPerRange: number },
): Promise<PlanResult> {
  const table = new Identifier(job.table, true);
  const key = new Identifier(job.key);
  let bounds: Plan["bounds"];
  try {
    bounds = await withClient(env, async (client) => {
      const sql = sqlOf(client);
      await checkKey(sql, table, key);
      if (opts.start !== undefined && opts.end !== undefined) return { start: opts.start, end: opts.end };
      const found = await keyBounds(sql, table, key);
      if (!found) return null;
      return { start: opts.start ?? found.start, end: opts.end ?? found.end };
    });
  } catch (err) {
    if (err instanceof PlanningError) return { ok: false, error: { status: 422, code: err.code, message: err.message } };
    const d = describeError(err);
    if (d.code && !d.retryable) {
      return { ok: false, error: { status: 422, code: `sqlstate_${d.code}`, message: d.message } };
    }
    return { ok: false, error: { status: 503, code: "database_unavailable", message: `could not plan the run: ${d.message}` } };
  }
  if (!bounds || bounds.start > bounds.end) return { ok: true, plan: { bounds, ranges: [] } };
  const width = BigInt(opts.rowsPerRange);
  const n = uniformCount(bounds.start, bounds.end, width);
  if (n > BigInt(MAX_RANGES)) {
    return {
      ok: false,
      error: {
        status: 400,
        code: "too_many_ranges",
        message:
          `a uniform split of [${bounds.start}, ${bounds.end}] by ${opts.rowsPerRange} keys makes ${n} ranges, ` +
          `over the cap of ${MAX_RANGES}; raise rowsPerRange or narrow start/end`,
      },
    };
  }
  return { ok: true, plan: { bounds, ranges: planUniform(bounds.start, bounds.end, width) } };
}
