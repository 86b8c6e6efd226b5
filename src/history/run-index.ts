/**
 * The RunIndex Durable Object: the durable run history behind
 * `GET /api/runs`. One object (see `runIndexFor`) holds one row per run, kept
 * up to date by each run's Coordinator on every status change, plus the
 * scheduled runs that were skipped. A run writes here a handful of times
 * (created, finished, cancelled, retried), far below what one object serves.
 *
 * Updates may arrive out of order (the Coordinator does not wait for the one
 * that marks a run finished), so an update only applies when it is newer
 * than what is stored: a later `updatedAt`, or the same instant and a final
 * status over an active one.
 */
import { DurableObject } from "cloudflare:workers";
import { runMigrations } from "../lib/migrations";
import { encodeCursor, isActive, toView, type ChainSummary, type Cursor, type HistoryEntry, type HistoryPage, type HistoryStatus } from "./entry";

const MIGRATIONS: string[] = [
  `CREATE TABLE runs (
     run_id TEXT PRIMARY KEY,
     job TEXT NOT NULL,
     status TEXT NOT NULL,
     rank INTEGER NOT NULL,
     rows INTEGER NOT NULL,
     note TEXT,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     finished_at INTEGER
   );
   CREATE INDEX runs_newest ON runs (created_at DESC, run_id DESC);
   CREATE INDEX runs_by_job ON runs (job, created_at DESC, run_id DESC);`,
  // 2: a chain run's mode, base and reconciliation verdict (docs/incremental.md), JSON.
  `ALTER TABLE runs ADD COLUMN chain TEXT;`,
];

interface Row extends Record<string, SqlStorageValue> {
  run_id: string;
  job: string;
  status: string;
  rows: number;
  note: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  chain: string | null;
}

export interface HistoryQuery {
  job: string | null;
  status: HistoryStatus | null;
  limit: number;
  cursor: Cursor | null;
}

function toEntry(row: Row): HistoryEntry {
  return {
    runId: row.run_id,
    job: row.job,
    status: row.status as HistoryStatus,
    rows: row.rows,
    note: row.note,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
    incremental: row.chain === null ? null : (JSON.parse(row.chain) as ChainSummary),
  };
}

export class RunIndex extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => this.migrate());
  }

  /** Records a run's current state, unless a newer one is already stored. */
  async upsert(entry: HistoryEntry): Promise<void> {
    this.sql.exec(
      `INSERT INTO runs (run_id, job, status, rank, rows, note, created_at, updated_at, finished_at, chain)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id) DO UPDATE SET
         status = excluded.status, rank = excluded.rank, rows = excluded.rows, note = excluded.note,
         updated_at = excluded.updated_at, finished_at = excluded.finished_at, chain = excluded.chain
       WHERE excluded.updated_at > runs.updated_at
          OR (excluded.updated_at = runs.updated_at AND excluded.rank >= runs.rank)`,
      entry.runId, entry.job, entry.status, isActive(entry.status) ? 0 : 1, entry.rows, entry.note,
      entry.createdAt, entry.updatedAt, entry.finishedAt, entry.incremental ? JSON.stringify(entry.incremental) : null,
    );
  }

  /**
   * Records a scheduled run that was not started. Returns false when the id
   * is already known (a run, or an earlier skip): a duplicate delivery.
   */
  async recordSkip(entry: { runId: string; job: string; note: string; at: number }): Promise<boolean> {
    const cursor = this.sql.exec(
      `INSERT INTO runs (run_id, job, status, rank, rows, note, created_at, updated_at, finished_at)
       VALUES (?, ?, 'skipped', 1, 0, ?, ?, ?, ?) ON CONFLICT (run_id) DO NOTHING`,
      entry.runId, entry.job, entry.note, entry.at, entry.at, entry.at,
    );
    return cursor.rowsWritten > 0;
  }

  async get(runId: string): Promise<HistoryEntry | null> {
    const row = this.sql.exec<Row>("SELECT * FROM runs WHERE run_id = ?", runId).toArray()[0];
    return row ? toEntry(row) : null;
  }

  /** The job's runs that are not finished, newest first. */
  async active(job: string, limit: number): Promise<HistoryEntry[]> {
    return this.sql
      .exec<Row>(
        `SELECT * FROM runs WHERE job = ? AND status IN ('planning', 'running', 'paused')
         ORDER BY created_at DESC, run_id DESC LIMIT ?`,
        job, limit,
      )
      .toArray()
      .map(toEntry);
  }

  /** One page of runs, newest first. */
  async list(q: HistoryQuery): Promise<HistoryPage> {
    const where: string[] = [];
    const args: SqlStorageValue[] = [];
    if (q.job !== null) {
      where.push("job = ?");
      args.push(q.job);
    }
    if (q.status !== null) {
      where.push("status = ?");
      args.push(q.status);
    }
    if (q.cursor !== null) {
      where.push("(created_at < ? OR (created_at = ? AND run_id < ?))");
      args.push(q.cursor.createdAt, q.cursor.createdAt, q.cursor.runId);
    }
    const rows = this.sql
      .exec<Row>(
        `SELECT * FROM runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
         ORDER BY created_at DESC, run_id DESC LIMIT ?`,
        ...args, q.limit + 1,
      )
      .toArray();
    const page = rows.slice(0, q.limit).map(toEntry);
    const last = page.at(-1);
    return { runs: page.map(toView), nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null };
  }

  private migrate(): void {
    runMigrations(this.sql, MIGRATIONS);
  }
}
