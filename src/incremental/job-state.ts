/**
 * JobState: one Durable Object per incremental job, the one place its chain
 * of runs is decided (docs/incremental.md). Choosing a run's base must not
 * race the run history, which is updated asynchronously, so every start and
 * every end of a chain run passes through here, one at a time:
 *
 * - the base: the last chain run that succeeded (its result, its watermark,
 *   the job version it was computed with);
 * - the incremental run in flight, if any: a second one is refused with a
 *   409 naming it, whatever the job's `overlap` says;
 * - each chain run it started, and whether it became the base.
 *
 * A run becomes the base when it succeeds and the base is still the one it
 * started from (`supersedes`); a run overtaken by another is kept as it is
 * but is not the base. A report lost on the way is made up for: before a
 * start, every run still thought to be going is asked for its status.
 */
import { DurableObject } from "cloudflare:workers";
import { coordinatorFor } from "../coordinator/stub";
import { isFinished, type RunOutcome, type RunStatus } from "../coordinator/types";
import { withConnection } from "../db/connector";
import { targetOf, type AnyJob, type Json } from "../jobs/define";
import { keyTypeOf } from "../planning/keys";
import { getJob } from "../jobs/registry";
import { failure } from "../lib/domain-error";
import { describeError } from "../lib/errors";
import { log, logError } from "../lib/log";
import { runMigrations } from "../lib/migrations";
import type { RunSpec } from "../runs/spec";
import type { ChainMode, ChainStart, Watermark } from "./chain";
import { jobVersion, type TableIdentity } from "./version";

const MIGRATIONS: string[] = [
  `CREATE TABLE chain (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     base_run_id TEXT,
     base_version TEXT,
     base_result TEXT,
     base_end TEXT,
     base_from TEXT,
     base_xmin TEXT,
     running_run_id TEXT,
     scheduled_runs INTEGER NOT NULL DEFAULT 0
   );
   INSERT INTO chain (id) VALUES (1);
   CREATE TABLE runs (
     run_id TEXT PRIMARY KEY,
     mode TEXT NOT NULL,
     supersedes TEXT,
     status TEXT NOT NULL,
     outcome TEXT,
     created_at INTEGER NOT NULL,
     finished_at INTEGER
   );
   CREATE INDEX runs_open ON runs (created_at) WHERE status = 'running';`,
];

interface ChainRow extends Record<string, SqlStorageValue> {
  base_run_id: string | null;
  base_version: string | null;
  base_result: string | null;
  base_end: string | null;
  base_from: string | null;
  base_xmin: string | null;
  running_run_id: string | null;
  scheduled_runs: number;
}

interface RunRow extends Record<string, SqlStorageValue> {
  run_id: string;
  mode: string;
  supersedes: string | null;
  status: string;
}

/** The chain as it stands, for tests and operators. */
export interface ChainView {
  baseRunId: string | null;
  version: string | null;
  watermark: Watermark | null;
  running: string | null;
  runs: Array<{ runId: string; mode: string; status: string; outcome: string | null }>;
}

/** Chain runs still thought to be going that a start asks about. */
const OPEN_LOOKUP = 20;

export class JobState extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => runMigrations(this.sql, MIGRATIONS));
  }

  /**
   * Starts a chain run of the job (a run over its whole key space), or finds
   * it when `spec.runId` already names one. `scheduled`: a cron run, which is
   * incremental unless the body says otherwise or a reconciliation is due.
   */
  async start(spec: RunSpec, scheduled: boolean): Promise<RunOutcome> {
    return this.serial(() => this.startNow(spec, scheduled));
  }

  /** A chain run is over (its Coordinator's report); a repeated or late report changes nothing. */
  async finished(status: RunStatus): Promise<void> {
    await this.serial(async () => this.apply(status));
  }

  async state(): Promise<ChainView> {
    const c = this.chain();
    const runs = this.sql
      .exec<RunRow & { outcome: string | null }>("SELECT run_id, mode, supersedes, status, outcome FROM runs ORDER BY created_at")
      .toArray()
      .map((r) => ({ runId: r.run_id, mode: r.mode, status: r.status, outcome: r.outcome }));
    return { baseRunId: c.base_run_id, version: c.base_version, watermark: watermarkOf(c), running: c.running_run_id, runs };
  }

  /** Runs `fn` after every call before it has finished: one decision at a time, awaits included. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }

  private chain(): ChainRow {
    return this.sql.exec<ChainRow>("SELECT * FROM chain WHERE id = 1").one();
  }

  private async startNow(spec: RunSpec, scheduled: boolean): Promise<RunOutcome> {
    const job = getJob(spec.job);
    if (!job?.incremental) return failure("incremental_unsupported", `job ${spec.job} does not support incremental runs`);
    const coordinator = coordinatorFor(this.env, spec.runId);
    const existing = await coordinator.status();
    if (existing) return { ok: true, value: { created: false, run: existing } };
    await this.catchUp();
    const c = this.chain();
    const every = job.incremental.reconcileEvery;
    const reconcileDue = scheduled && every !== null && (c.scheduled_runs + 1) % every === 0;
    const incremental = spec.incremental ?? (scheduled && !reconcileDue);
    if (incremental && c.running_run_id) {
      return failure("run_in_progress", `run ${c.running_run_id} of job ${job.name} is an incremental run still going; incremental runs of a job run one at a time`);
    }
    let db: { xmin: string; table: TableIdentity };
    try {
      db = await readDatabase(this.env, targetOf(job).table.quoted);
    } catch (err) {
      const d = describeError(err);
      logError("chain: database not read", { job: job.name, error: d.message, code: d.code });
      return failure("database_unavailable", `could not start the run: the database is unavailable (${d.code ?? "connection failed"})`);
    }
    // The parameters as the job sees them: absent, `{}` and explicit defaults are one version.
    const parsed = job.params ? job.params.safeParse(spec.params ?? undefined) : null;
    const params = (parsed?.success ? parsed.data : (spec.params ?? null)) as Json;
    const version = await jobVersion(job, params ?? null, db.table);
    const base = c.base_run_id !== null && c.base_version === version ? usableBase(job, watermarkOf(c), db.xmin) : null;
    const mode: ChainMode = base === null ? "full" : incremental ? "incremental" : "reconcile";
    const chain: ChainStart = {
      mode,
      baseRunId: mode === "full" ? null : c.base_run_id,
      supersedes: c.base_run_id,
      version,
      xmin: db.xmin,
      base: mode === "full" ? null : base,
      baseResult: mode === "full" || c.base_result === null ? null : (JSON.parse(c.base_result) as Json),
      margin: job.incremental.margin,
    };
    const now = Date.now();
    this.sql.exec("INSERT INTO runs (run_id, mode, supersedes, status, created_at) VALUES (?, ?, ?, 'running', ?)", spec.runId, mode, c.base_run_id, now);
    if (mode === "incremental") this.sql.exec("UPDATE chain SET running_run_id = ? WHERE id = 1", spec.runId);
    const started = await coordinator.create({ ...spec, chain });
    if (!started.ok) {
      this.sql.exec("DELETE FROM runs WHERE run_id = ?", spec.runId);
      this.sql.exec("UPDATE chain SET running_run_id = NULL WHERE id = 1 AND running_run_id = ?", spec.runId);
      return started;
    }
    if (scheduled) this.sql.exec("UPDATE chain SET scheduled_runs = scheduled_runs + 1 WHERE id = 1");
    log("chain run started", { runId: spec.runId, job: job.name, mode, baseRunId: chain.baseRunId });
    return started;
  }

  /** Asks every run still thought to be going how it stands, and applies the ones that are over. */
  private async catchUp(): Promise<void> {
    const open = this.sql.exec<RunRow>("SELECT run_id, mode, supersedes, status FROM runs WHERE status = 'running' ORDER BY created_at LIMIT ?", OPEN_LOOKUP).toArray();
    for (const row of open) {
      const status = await coordinatorFor(this.env, row.run_id).status();
      if (status === null) {
        // Never created (the object was evicted while it planned): nothing to wait for.
        this.sql.exec("UPDATE runs SET status = 'lost', finished_at = ? WHERE run_id = ?", Date.now(), row.run_id);
        this.sql.exec("UPDATE chain SET running_run_id = NULL WHERE id = 1 AND running_run_id = ?", row.run_id);
      } else if (isFinished(status.status)) {
        this.apply(status);
      }
    }
  }

  private apply(status: RunStatus): void {
    if (!isFinished(status.status)) return;
    const row = this.sql.exec<RunRow>("SELECT run_id, mode, supersedes, status FROM runs WHERE run_id = ?", status.runId).toArray()[0];
    if (!row || row.status !== "running") return;
    const c = this.chain();
    const inc = status.incremental;
    let outcome: string | null = null;
    this.ctx.storage.transactionSync(() => {
      if (status.status === "succeeded" && inc) {
        if ((row.supersedes ?? null) === (c.base_run_id ?? null)) {
          this.sql.exec(
            `UPDATE chain SET base_run_id = ?, base_version = ?, base_result = ?, base_end = ?, base_from = ?, base_xmin = ? WHERE id = 1`,
            status.runId, inc.version, JSON.stringify(status.result), inc.watermark, inc.rescanFrom, inc.snapshotXmin,
          );
          outcome = "base";
        } else {
          outcome = "superseded";
        }
      }
      this.sql.exec("UPDATE runs SET status = ?, outcome = ?, finished_at = ? WHERE run_id = ?", status.status, outcome, Date.now(), status.runId);
      this.sql.exec("UPDATE chain SET running_run_id = NULL WHERE id = 1 AND running_run_id = ?", status.runId);
    });
    log("chain run over", { runId: status.runId, job: status.job, status: status.status, outcome });
  }
}

/**
 * The base's watermark, unless a run cannot build on it: an end of
 * `infinity` (no key follows it, so new keys would never be planned), or a
 * base snapshot 2^31 transactions or more behind, past which a row's 32-bit
 * xmin can no longer be placed before or after it. Then the run is full.
 */
export function usableBase(job: AnyJob, w: Watermark | null, xmin: string): Watermark | null {
  if (!w) return null;
  const keys = keyTypeOf(job).incremental;
  if (keys && !keys.canFollow(w.end)) {
    log("chain: full run", { job: job.name, reason: `the watermark ${w.end} has no key after it` });
    return null;
  }
  if (BigInt(xmin) - BigInt(w.xmin) >= 2n ** 31n) {
    log("chain: full run", { job: job.name, reason: "the base's snapshot is 2^31 transactions or more behind" });
    return null;
  }
  return w;
}

function watermarkOf(c: ChainRow): Watermark | null {
  return c.base_end !== null && c.base_from !== null && c.base_xmin !== null ? { end: c.base_end, from: c.base_from, xmin: c.base_xmin } : null;
}

/**
 * Before planning: the xmin of a snapshot (a 64-bit transaction id; every
 * transaction below it had ended), and the table's identity for the version.
 * Taken before the run reads its end bound, so every row committed before
 * this snapshot is below that bound.
 */
async function readDatabase(env: Env, table: string): Promise<{ xmin: string; table: TableIdentity }> {
  return withConnection(env, async (connection) => {
    const { rows } = await connection.query(
      `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin,
              concat_ws('/', current_database(), t.oid::oid, (SELECT c.xmin FROM pg_class c WHERE c.oid = t.oid)) AS oid,
              coalesce(pg_relation_filenode(t.oid)::text, '') AS filenode
       FROM (SELECT to_regclass($1) AS oid) t`,
      [table],
    );
    const row = rows[0] as { xmin: string; oid: string; filenode: string };
    return { xmin: row.xmin, table: { oid: row.oid, filenode: row.filenode } };
  });
}
