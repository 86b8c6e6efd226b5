/**
 * Planning a run: check the key, find the bounds, cut the ranges. Used by the
 * Coordinator when a run is created and by the entry Worker for a dry run.
 * Read-only on the user's database. Which key type is cut how lives behind
 * the key-type seam (keys/).
 */
import { withConnection, type DbEnv } from "../db/connector";
import { sqlOf } from "../db/sql";
import { targetOf, type Job, type Json } from "../jobs/define";
import { DomainError, failure, type Outcome } from "../lib/domain-error";
import { describeError } from "../lib/errors";
import { isSqlState } from "../lib/error-policy";
import { logError } from "../lib/log";
import { checkKey } from "./bounds";
import { keyTypeOf } from "./keys";
import type { EstimateSummary, KeyRange, MoreSessions, Split } from "./keys/key-type";
import { TooManyRanges } from "./uniform";

export interface Plan {
  split: Split;
  bounds: KeyRange<bigint> | null;
  /** True when `end` was read from max(key) at planning time, not given. */
  snapshotEnd: boolean;
  count: number;
  /** The ranges in key order; may be produced lazily: iterate once. */
  ranges: Iterable<KeyRange<bigint>>;
  estimate: EstimateSummary | null;
}

export interface PlanOptions {
  start?: bigint;
  end?: bigint;
  rowsPerRange: number;
  split: Split;
  /**
   * Most connections planning may hold at once: the run's concurrency, so
   * that planning never loads the database more than the run will. A big
   * balanced plan reads with up to 4. Default 1.
   */
  sessions?: number;
}

const TOO_MANY_HINT = "; raise rowsPerRange, narrow start/end, or use split \"balanced\"";

/** Up to `limit` more connections at once; asked for another, it refuses, which the planner takes as fewer sessions. */
function moreSessions(env: DbEnv, limit: number): MoreSessions {
  let open = 0;
  return async (fn) => {
    if (open >= limit) throw new Error(`planning holds at most ${limit + 1} connections`);
    open += 1;
    try {
      return await withConnection(env, (other) => fn(sqlOf(other)));
    } finally {
      open -= 1;
    }
  };
}

export async function planRun(env: DbEnv, job: Job<Json, unknown>, opts: PlanOptions): Promise<Outcome<Plan>> {
  const { table, key } = targetOf(job);
  const keys = keyTypeOf(job);
  try {
    return await withConnection(env, async (connection) => {
      const sql = sqlOf(connection);
      const domain = await checkKey(sql, table, key, keys, job.allowUnindexedKey ?? false);
      for (const [name, value] of [["start", opts.start], ["end", opts.end]] as const) {
        if (value !== undefined && (keys.compare(value, domain.start) < 0 || keys.compare(value, domain.end) > 0)) {
          throw new DomainError(
            "invalid_bounds",
            `${name} ${keys.format(value)} does not fit the key ${key.name}, whose values are from ${keys.format(domain.start)} to ${keys.format(domain.end)}`,
          );
        }
      }
      const found = opts.start === undefined || opts.end === undefined ? await keys.bounds(sql, table, key) : null;
      const start = opts.start ?? found?.start;
      const end = opts.end ?? found?.end;
      const base = { split: opts.split, snapshotEnd: opts.end === undefined };
      if (start === undefined || end === undefined || keys.compare(start, end) > 0) {
        const bounds = start !== undefined && end !== undefined ? { start, end } : null;
        return { ok: true as const, value: { ...base, bounds, count: 0, ranges: [], estimate: null } };
      }
      const more = moreSessions(env, (opts.sessions ?? 1) - 1);
      const cut = await keys.split(sql, table, key, { start, end }, opts.rowsPerRange, opts.split, more);
      return { ok: true as const, value: { ...base, bounds: { start, end }, ...cut } };
    });
  } catch (err) {
    if (err instanceof DomainError) return failure(err.code, err.message);
    if (err instanceof TooManyRanges) return failure("too_many_ranges", err.message + TOO_MANY_HINT);
    const d = describeError(err);
    if (isSqlState(d.code) && !d.retryable) return failure(`sqlstate_${d.code}`, d.message);
    // The driver's own text can name hosts; the client gets the code, the log the detail.
    logError("planning failed", { error: d.message, code: d.code });
    return failure("database_unavailable", `could not plan the run: the database is unavailable (${d.code ?? "connection failed"})`);
  }
}
