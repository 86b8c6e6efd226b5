/**
 * Planning a run: check the key, find the bounds, cut the ranges. Used by the
 * Coordinator when a run is created and by the entry Worker for a dry run.
 * Read-only on the user's database. Which key type is cut how lives behind
 * the key-type seam (keys/).
 */
import { withConnection, type DbEnv } from "../db/connector";
import { sqlOf, type Identifier, type Sql } from "../db/sql";
import { targetOf, type Job, type Json } from "../jobs/define";
import { DomainError, failure, type Outcome } from "../lib/domain-error";
import { describeError } from "../lib/errors";
import { isSqlState } from "../lib/error-policy";
import { logError } from "../lib/log";
import { checkKey, type KeyColumn } from "./bounds";
import { keyTypeOf } from "./keys";
import { summarize, type EstimateSummary, type KeyRange, type KeyType, type MoreSessions, type PlannedRange, type Split } from "./keys/key-type";
import { OVERSIZED } from "./ordered";
import { MAX_RANGES, TooManyRanges } from "./uniform";

export interface Plan {
  split: Split;
  /** The window planned, keys in text form; null when the table had no key to bound it. */
  bounds: KeyRange | null;
  /** True when `end` was read from max(key) at planning time, not given. */
  snapshotEnd: boolean;
  /** Ranges, the NULL range included. */
  count: number;
  /** The ranges in key order, the NULL range last; may be produced lazily: iterate once. */
  ranges: Iterable<PlannedRange>;
  estimate: EstimateSummary | null;
}

export interface PlanOptions {
  /** Bounds in the key type's text form (parsed by the API). */
  start?: string;
  end?: string;
  /** The window excludes `end` (a scheduled window such as the previous day). */
  endExclusive?: boolean;
  rowsPerRange: number;
  split: Split;
  /** A uniform split's width, for key types that take one (time keys: an ISO-8601 duration). */
  width?: string;
  /**
   * Most connections planning may hold at once: the run's concurrency, so
   * that planning never loads the database more than the run will. A big
   * balanced plan reads with up to 4. Default 1.
   */
  sessions?: number;
  /** Plan the NULL range although `end` is given: a reconciliation pinned to its base's end covers what the base's full run covered. */
  nulls?: boolean;
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

/** Checks given bounds against the column's domain and each other; in SQL where only Postgres knows the order (text). */
async function checkBounds(sql: Sql, table: Identifier, key: Identifier, keys: KeyType, column: KeyColumn, opts: PlanOptions): Promise<void> {
  for (const [name, value] of [["start", opts.start], ["end", opts.end]] as const) {
    const d = column.domain;
    if (value !== undefined && d && ((keys.compare(value, d.start) ?? 0) < 0 || (keys.compare(value, d.end) ?? 0) > 0)) {
      throw new DomainError("invalid_bounds", `${name} ${value} does not fit the key ${key.name}, whose values are from ${d.start} to ${d.end}`);
    }
  }
  if (opts.start === undefined || opts.end === undefined) return;
  let after = keys.compare(opts.start, opts.end);
  if (after === null) {
    // The column's own order: a union with the column gives both bounds its type and collation.
    const [row] = await sql<{ after: boolean }>`
      SELECT (SELECT max(k) FROM (SELECT ${key} AS k FROM ${table} WHERE false UNION ALL SELECT ${opts.start}) a)
           > (SELECT max(k) FROM (SELECT ${key} AS k FROM ${table} WHERE false UNION ALL SELECT ${opts.end}) b) AS after`;
    after = row?.after ? 1 : 0;
  }
  if (after > 0) throw new DomainError("invalid_bounds", `start ${opts.start} is after end ${opts.end} in the key's order`);
}

/** The NULL range, for a run over the whole table of a key that can be NULL; refused up front by a job that says so. */
async function nullRange(sql: Sql, table: Identifier, key: Identifier, job: Job<Json, unknown>, rowsPerRange: number): Promise<PlannedRange | null> {
  const [row] = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${table} WHERE ${key} IS NULL`;
  const n = Number(row?.n ?? 0);
  if (n === 0) return null;
  if (job.nullKeys === "refuse") {
    throw new DomainError("null_keys", `${n} rows of ${table.name} have a NULL ${key.name}, and job ${job.name} refuses NULL keys (nullKeys: "refuse")`);
  }
  return { nulls: true, estimate: n, oversized: n > OVERSIZED * rowsPerRange };
}

function* withLast<T>(items: Iterable<T>, last: T | null): Generator<T> {
  yield* items;
  if (last) yield last;
}

export async function planRun(env: DbEnv, job: Job<Json, unknown>, opts: PlanOptions): Promise<Outcome<Plan>> {
  const { table, key } = targetOf(job);
  const keys = keyTypeOf(job);
  try {
    return await withConnection(env, async (connection) => {
      const sql = sqlOf(connection);
      const column = await checkKey(sql, table, key, keys, job.allowUnindexedKey ?? false);
      await checkBounds(sql, table, key, keys, column, opts);
      const widthProblem = opts.split === "uniform" ? keys.checkWidth(opts.width) : null;
      if (widthProblem) throw new DomainError("invalid_bounds", widthProblem);
      const found = opts.start === undefined || opts.end === undefined ? await keys.bounds(sql, table, key) : null;
      const start = opts.start ?? found?.start;
      const end = opts.end ?? found?.end;
      const wholeTable = opts.start === undefined && (opts.end === undefined || opts.nulls === true);
      const nulls = wholeTable && column.nullable ? await nullRange(sql, table, key, job, opts.rowsPerRange) : null;
      const base = { split: opts.split, snapshotEnd: opts.end === undefined };
      const endExclusive = opts.end !== undefined && opts.endExclusive === true;
      const empty = start === undefined || end === undefined || (keys.compare(start, end) ?? -1) > 0 || (endExclusive && start === end);
      if (empty) {
        const bounds = start !== undefined && end !== undefined ? { start, end, endExclusive } : null;
        const ranges = nulls ? [nulls] : [];
        return { ok: true as const, value: { ...base, bounds, count: ranges.length, ranges, estimate: summarize(ranges.map((r) => r.estimate ?? 0)) } };
      }
      const window = { start, end, endExclusive };
      const more = moreSessions(env, (opts.sessions ?? 1) - 1);
      const cut = await keys.split({ sql, table, key, window, indexed: column.indexed, rowsPerRange: opts.rowsPerRange, how: opts.split, width: opts.width, more });
      const count = cut.count + (nulls ? 1 : 0);
      if (count > MAX_RANGES) throw new TooManyRanges(`the plan makes ${count} ranges, over the cap of ${MAX_RANGES}`);
      return { ok: true as const, value: { ...base, bounds: window, count, ranges: withLast(cut.ranges, nulls), estimate: cut.estimate } };
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
