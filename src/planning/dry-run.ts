/**
 * `dryRun: true`: the plan without the run. Nothing is stored and nothing is
 * dispatched. Unless `canary: false`, the first range is executed once inside
 * a READ ONLY transaction that is rolled back, to show the SQL a range runs
 * and to project the full run's duration from its measured time.
 */
import { withConnection, type DbEnv } from "../db/connector";
import { sqlOf, type Queryable } from "../db/sql";
import { targetOf, type Job, type Json } from "../jobs/define";
import { CodedError, describeError } from "../lib/errors";
import { canaryCount, resolveOptions } from "../runs/options";
import type { RunSpec } from "../runs/spec";
import { failure, type Outcome } from "../lib/domain-error";
import type { Split } from "./keys/key-type";
import { estimateSummary, planRun } from "./plan";

export interface DryRun {
  dryRun: true;
  job: string;
  split: Split;
  bounds: { start: string | null; end: string | null; endFromSnapshot: boolean };
  ranges: number;
  canaryRanges: number;
  rowsPerRange: number;
  estimatedRowsPerRange: { min: number; median: number; max: number } | null;
  concurrency: number;
  firstRange: { start: string; end: string } | null;
  /** The statements the first range ran, with `$n` parameters; null when nothing ran. */
  sql: string[] | null;
  sample: { durationMs: number; result: Json } | { error: { code: string | null; message: string } } | null;
  projectedSeconds: number | null;
}

export async function dryRun(
  env: DbEnv,
  job: Job<Json, unknown>,
  spec: RunSpec,
): Promise<Outcome<DryRun>> {
  const o = resolveOptions(spec, job);
  const planned = await planRun(env, job, { start: spec.start, end: spec.end, rowsPerRange: o.rowsPerRange, split: o.split, sessions: o.concurrency });
  if (!planned.ok) return planned;
  const { bounds, ranges, estimates, snapshotEnd } = planned.value;
  const first = ranges[0] ?? null;
  const plan: DryRun = {
    dryRun: true,
    job: job.name,
    split: o.split,
    bounds: { start: bounds?.start.toString() ?? null, end: bounds?.end.toString() ?? null, endFromSnapshot: snapshotEnd },
    ranges: ranges.length,
    canaryRanges: canaryCount(ranges.length, o.rowsPerRange, o.canary),
    rowsPerRange: o.rowsPerRange,
    estimatedRowsPerRange: estimateSummary(estimates),
    concurrency: o.concurrency,
    firstRange: first && { start: first.start.toString(), end: first.end.toString() },
    sql: null,
    sample: null,
    projectedSeconds: null,
  };
  if (!first || o.canary === false) return { ok: true, value: plan };

  const statements: string[] = [];
  try {
    await withConnection(env, async (client) => {
      const recorder: Queryable = {
        query: (text, values) => {
          statements.push(text.replace(/\s+/g, " ").trim());
          return client.query(text, values);
        },
      };
      // Read-only for the whole session, so a job's own COMMIT/BEGIN cannot
      // escape into a writing transaction, and bounded in time on both ends.
      await client.query(`SET SESSION default_transaction_read_only = on`);
      await client.query(`SET SESSION statement_timeout = ${Math.max(1, Math.floor(o.timeoutMs))}`);
      await client.query("BEGIN READ ONLY");
      const started = Date.now();
      try {
        const result = await Promise.race([
          job.process(
            { id: 0, start: first.start, end: first.end, attempt: 1 },
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
        plan.projectedSeconds = Math.round((ranges.length * durationMs) / o.concurrency) / 1000;
      } catch (err) {
        const e = describeError(err);
        plan.sample = { error: { code: e.code, message: e.message } };
      } finally {
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
