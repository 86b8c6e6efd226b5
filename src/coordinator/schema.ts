/**
 * The ledger's schema in the Coordinator's SQLite storage: numbered
 * migrations, applied by the shared runner (src/lib/migrations.ts) inside
 * `blockConcurrencyWhile`.
 *
 * Keys are TEXT: SQLite integers are 64-bit, but they come back to JS as
 * doubles, which would round ids above 2^53.
 */
import { runMigrations } from "../lib/migrations";

const MIGRATIONS: string[] = [
  `CREATE TABLE run (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     run_id TEXT NOT NULL,
     job TEXT NOT NULL,
     status TEXT NOT NULL,
     phase TEXT NOT NULL,
     bounds_start TEXT,
     bounds_end TEXT,
     snapshot_end INTEGER NOT NULL DEFAULT 0,
     split TEXT NOT NULL,
     canary_ranges INTEGER NOT NULL DEFAULT 0,
     canary_finished_at INTEGER,
     rows_per_range INTEGER NOT NULL,
     concurrency INTEGER NOT NULL,
     effective_concurrency INTEGER NOT NULL,
     healthy_streak INTEGER NOT NULL DEFAULT 0,
     last_overload_at INTEGER,
     max_attempts INTEGER NOT NULL,
     lease_ms INTEGER NOT NULL,
     timeout_ms INTEGER NOT NULL,
     params TEXT NOT NULL,
     accumulator TEXT NOT NULL,
     rows INTEGER NOT NULL DEFAULT 0,
     error TEXT,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     finished_at INTEGER
   );
   CREATE TABLE ranges (
     id INTEGER PRIMARY KEY,
     start TEXT NOT NULL,
     end TEXT NOT NULL,
     status TEXT NOT NULL,
     attempt INTEGER NOT NULL DEFAULT 0,
     attempt_limit INTEGER,
     parent INTEGER,
     canary INTEGER NOT NULL DEFAULT 0,
     lease_until INTEGER,
     not_before INTEGER,
     rows INTEGER,
     duration_ms INTEGER,
     error_code TEXT,
     error_message TEXT,
     updated_at INTEGER
   );
   CREATE INDEX ranges_by_status ON ranges (status, id);
   CREATE INDEX ranges_by_wakeup ON ranges (status, not_before);
   -- Ranges per state, kept by triggers in the same transaction as every
   -- change, so a status read is O(1) however many ranges the run has.
   CREATE TABLE range_counts (status TEXT PRIMARY KEY, n INTEGER NOT NULL);
   INSERT INTO range_counts (status, n) VALUES ('pending', 0), ('running', 0), ('done', 0), ('failed', 0), ('split', 0);
   CREATE TRIGGER ranges_count_insert AFTER INSERT ON ranges BEGIN
     UPDATE range_counts SET n = n + 1 WHERE status = NEW.status;
   END;
   CREATE TRIGGER ranges_count_update AFTER UPDATE OF status ON ranges WHEN OLD.status <> NEW.status BEGIN
     UPDATE range_counts SET n = n - 1 WHERE status = OLD.status;
     UPDATE range_counts SET n = n + 1 WHERE status = NEW.status;
   END;
   CREATE TRIGGER ranges_count_delete AFTER DELETE ON ranges BEGIN
     UPDATE range_counts SET n = n - 1 WHERE status = OLD.status;
   END;`,
  // The canary's figures are read on every status; keep that off a table scan.
  `CREATE INDEX ranges_canary ON ranges (canary, status);`,
  // Hot lanes: a range is leased to a lane (one connection running ranges in
  // turn); a lane is known from its start message until it hands back.
  `ALTER TABLE ranges ADD COLUMN lane INTEGER;
   ALTER TABLE ranges ADD COLUMN started_attempt INTEGER;
   ALTER TABLE ranges ADD COLUMN depth INTEGER NOT NULL DEFAULT 0;
   CREATE INDEX ranges_by_lane ON ranges (lane) WHERE status = 'running';
   CREATE TABLE lanes (
     id INTEGER PRIMARY KEY,
     state TEXT NOT NULL,
     sent_at INTEGER NOT NULL,
     seen_at INTEGER
   );
   ALTER TABLE run ADD COLUMN lane_calls INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE run ADD COLUMN planning_ms INTEGER;
   ALTER TABLE run ADD COLUMN next_lane INTEGER NOT NULL DEFAULT 1;
   ALTER TABLE run ADD COLUMN send_failures INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE run ADD COLUMN send_failing_since INTEGER;`,
  // Typed keys (docs/keys.md): a range is [start, end) or [start, end], or
  // the NULL range; pos orders ranges by key, splits included (a child's
  // pos extends its parent's), for the strip and listings, since only
  // Postgres knows how keys of most types sort.
  `ALTER TABLE ranges ADD COLUMN end_exclusive INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE ranges ADD COLUMN nulls INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE ranges ADD COLUMN pos TEXT;
   ALTER TABLE ranges ADD COLUMN oversized INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE ranges ADD COLUMN estimate INTEGER;
   UPDATE ranges SET pos = printf('%08d', id) WHERE pos IS NULL;
   CREATE INDEX ranges_by_pos ON ranges (pos);
   CREATE INDEX ranges_oversized ON ranges (status) WHERE oversized = 1;
   ALTER TABLE run ADD COLUMN key_type TEXT NOT NULL DEFAULT 'integer';
   ALTER TABLE run ADD COLUMN bounds_end_exclusive INTEGER NOT NULL DEFAULT 0;`,
  // Pacing (pacing.ts, health.ts, pause.ts). The rate limits and their
  // theoretical arrival times (GCRA), the health check's last verdict and
  // open request, when the run was paused; per range, when a lane began it
  // and the rows its grant was charged for.
  `ALTER TABLE run ADD COLUMN rate_ranges REAL;
   ALTER TABLE run ADD COLUMN rate_rows REAL;
   ALTER TABLE run ADD COLUMN pace_ranges_at REAL NOT NULL DEFAULT 0;
   ALTER TABLE run ADD COLUMN pace_rows_at REAL NOT NULL DEFAULT 0;
   ALTER TABLE run ADD COLUMN health TEXT;
   ALTER TABLE run ADD COLUMN health_reason TEXT;
   ALTER TABLE run ADD COLUMN health_checked_at INTEGER;
   ALTER TABLE run ADD COLUMN health_asked_at INTEGER;
   ALTER TABLE run ADD COLUMN health_asked_lane INTEGER;
   ALTER TABLE run ADD COLUMN paused_at INTEGER;
   ALTER TABLE ranges ADD COLUMN started_at INTEGER;
   ALTER TABLE ranges ADD COLUMN paced_rows REAL;`,
  // Exactly-once effects (docs/exactly-once.md): the run's random nonce that
  // keys its records in the user's database, whether it has records there and
  // when they were deleted; the `dropped` state of ranges whose split
  // ancestor committed late; the children of a range found without a scan.
  `ALTER TABLE run ADD COLUMN nonce TEXT NOT NULL DEFAULT '';
   ALTER TABLE run ADD COLUMN effects INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE run ADD COLUMN effects_deleted_at INTEGER;
   INSERT INTO range_counts (status, n) VALUES ('dropped', 0);
   CREATE INDEX ranges_by_parent ON ranges (parent) WHERE parent IS NOT NULL;`,
  // Incremental runs (docs/incremental.md): a chain run's record, JSON.
  `ALTER TABLE run ADD COLUMN chain TEXT;`,
];

/** Brings the ledger's schema up to date. */
export function migrate(sql: SqlStorage): void {
  runMigrations(sql, MIGRATIONS);
}
