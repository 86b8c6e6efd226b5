/**
 * `dryRun: true`: the plan without the run. Nothing is stored and nothing is
 * dispatched. Unless `canary: false`, the first range is executed once, to
 * show the SQL a range runs and to project the full run's duration from its
 * measured time.
 *
 * The sample runs inside a transaction that is always rolled back, so a job
 * that writes can be dry-run and its writes never persist. Two things keep
 * the job inside that transaction: its `sql` refuses transaction-control and
 * session statements (src/db/statement-guard.ts), and it refuses everything
 * once the sample is over (a job still running after its timeout would
 * otherwise reach the connection after the ROLLBACK, outside any transaction).
 */
import { connectorFor, withConnection, type DbEnv } from "../db/connector";
import { sqlOf, type Queryable } from "../db/sql";
import { guardStatement } from "../db/statement-guard";
import { targetOf, type Job, type Json } from "../jobs/define";
import { CodedError, describeError } from "../lib/errors";
import { canaryCount, resolveOptions } from "../runs/options";
import type { RunSpec } from "../runs/spec";
import { failure, type Outcome } from "../lib/domain-error";
import type { Split } from "./keys/key-type";
import { keyTypeOf } from "./keys";
import { jobRange } from "./keys/job-range";
import { planRun } from "./plan";

export interface DryRun {
  dryRun: true;
  job: string;
  split: Split;
  bounds: { start: string | null; end: string | null; endInclusive: boolean; endFromSnapshot: boolean };
  ranges: number;
  canaryRanges: number;
  rowsPerRange: number;
  estimatedRowsPerRange: { min: number; median: number; max: number } | null;
  concurrency: number;
  /** The first range, keys in their text form (null for the NULL range, `nulls: true`). */
  firstRange: { start: string | null; end: string | null; endInclusive: boolean; nulls: boolean } | null;
  /** The statements the first range ran, with `$n` parameters; null when nothing ran. */
  sql: string[] | null;
  sample: { durationMs: number; result: Json } | { error: { code: string | null; message: string } } | null;
  projectedSeconds: number | null;
}

/** The first `n` items of an iterable. */
function take<T>(items: Iterable<T>, n: number): T[] {
  const out: T[] = [];
  for (const item of items) {
    if (out.length >= n) break;
    out.push(item);
  }
  return out;
}

export async function dryRun(
  env: DbEnv,
  job: Job<Json, unknown>,
  spec: RunSpec,
): Promise<Outcome<DryRun>> {
  const o = resolveOptions(spec, job, connectorFor(env));
  const planned = await planRun(env, job, {
    start: spec.start, end: spec.end, endExclusive: spec.endExclusive, rowsPerRange: o.rowsPerRange, split: o.split, width: o.width, sessions: o.concurrency,
  });
  if (!planned.ok) return planned;
  const { bounds, count, ranges, estimate, snapshotEnd } = planned.value;
  const [first = null] = take(ranges, 1);
  const plan: DryRun = {
    dryRun: true,
    job: job.name,
    split: o.split,
    bounds: { start: bounds?.start ?? null, end: bounds?.end ?? null, endInclusive: !bounds?.endExclusive, endFromSnapshot: snapshotEnd },
    ranges: count,
    canaryRanges: canaryCount(count, o.rowsPerRange, o.canary),
    rowsPerRange: o.rowsPerRange,
    estimatedRowsPerRange: estimate,
    concurrency: o.concurrency,
    firstRange: first && (first.nulls ? { start: null, end: null, endInclusive: true, nulls: true } : { start: first.start, end: first.end, endInclusive: !first.endExclusive, nulls: false }),
    sql: null,
    sample: null,
    projectedSeconds: null,
  };
  if (!first || o.canary === false) return { ok: true, value: plan };

  const statements: string[] = [];
  try {
    await withConnection(env, async (client) => {
      let sampling = true;
      const recorder: Queryable = {
        query: async (text, values) => {
          statements.push(text.replace(/\s+/g, " ").trim());
          if (!sampling) throw new CodedError("range_timeout", "the dry run's sample is over; its transaction was rolled back");
          guardStatement(text);
          return client.query(text, values);
        },
      };
      await client.query("BEGIN");
      await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(o.timeoutMs))}; SET LOCAL TimeZone = 'UTC'`);
      const started = Date.now();
      try {
        const result = await Promise.race([
          job.process(
            jobRange(keyTypeOf(job), targetOf(job).key, 0, first.nulls ? { start: "", end: "", endExclusive: false, nulls: true } : { ...first, nulls: false }, 1),
            {
              sql: sqlOf(recorder),
              target: targetOf(job),
              params: job.params ? job.params.parse(spec.params ?? undefined) : spec.params,
              signal: AbortSignal.timeout(o.timeoutMs),
              runId: "dry-run",
            },
          ),
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new CodedError("range_timeout", `the first range ran longer than ${o.timeoutMs} ms`)), o.timeoutMs),
          ),
        ]);
        const durationMs = Date.now() - started;
        plan.sample = { durationMs, result };
        plan.projectedSeconds = Math.round((count * durationMs) / o.concurrency) / 1000;
      } catch (err) {
        const e = describeError(err);
        plan.sample = { error: { code: e.code, message: e.message } };
      } finally {
        sampling = false;
        await client.query("ROLLBACK").catch(() => {});
      }
    });
  } catch (err) {
    const e = describeError(err);
    return failure("database_unavailable", `could not run the first range: ${e.code ?? "connection failed"}`);
  }
  plan.sql = statements;
  return { ok: true, value: plan };
}
