/**
 * The status is O(1) (README, "Reliability"): reading it must not scan the
 * ledger, however many ranges the run has, because every `GET /api/runs/:id`,
 * SSE push and list reads it. Measured with the SQL cursor's own `rowsRead`
 * on a seeded ledger of 5,000 ranges: a status read may touch the failed
 * ranges it lists, plus a handful of fixed rows, never the whole table.
 *
 * Regression: `failedRanges` paged with `WHERE (? IS NULL OR status = ?)`,
 * which SQLite cannot answer from the `(status, id)` index, so every status
 * read scanned every range.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Ledger } from "../src/coordinator/ledger";
import { migrate } from "../src/coordinator/schema";
import { runStatus } from "../src/coordinator/status";
import { ledgerRanges } from "./helpers";

const RANGES = 5_000;
const FAILED = [17, 2_500, 4_999];

/** A SqlStorage that remembers every cursor it hands out, to read `rowsRead` after the fact. */
function metered(sql: SqlStorage) {
  const cursors: Array<{ query: string; cursor: SqlStorageCursor<Record<string, SqlStorageValue>> }> = [];
  const exec = ((query: string, ...bindings: SqlStorageValue[]) => {
    const cursor = sql.exec(query, ...bindings);
    cursors.push({ query, cursor });
    return cursor;
  }) as SqlStorage["exec"];
  const storage = new Proxy(sql, { get: (target, key) => (key === "exec" ? exec : Reflect.get(target, key, target)) });
  return { storage, cursors };
}

function seed(state: DurableObjectState): void {
  migrate(state.storage.sql);
  const ledger = new Ledger(state.storage.sql);
  ledger.insertRun({
    run_id: "status-cost", job: "orders-total", status: "running", phase: "main", bounds_start: "1", bounds_end: String(RANGES * 10),
    snapshot_end: 0, split: "uniform", canary_ranges: 0, rows_per_range: 10, concurrency: 4, max_attempts: 3, lease_ms: 60_000,
    timeout_ms: 30_000, params: "null", accumulator: JSON.stringify({ rows: 0, totalAmount: "0.00" }), created_at: 0, planning_ms: null, key_type: "integer", bounds_end_exclusive: 0,
  });
  ledger.insertRanges(ledgerRanges(Array.from({ length: RANGES }, (_, i) => ({ start: String(i * 10 + 1), end: String(i * 10 + 10) }))));
  state.storage.sql.exec("UPDATE ranges SET status = 'done', rows = 10 WHERE id < ?", RANGES / 2);
  for (const id of FAILED) state.storage.sql.exec("UPDATE ranges SET status = 'failed', error_code = 'job_error' WHERE id = ?", id);
}

describe("status cost", () => {
  it("reads the failed ranges through the index, not the whole ledger (status of a 5,000-range run)", async () => {
    const stub = env.COORDINATOR.get(env.COORDINATOR.idFromName(`status-cost-${crypto.randomUUID()}`));
    await runInDurableObject(stub, (_instance, state) => {
      seed(state);
      const { storage, cursors } = metered(state.storage.sql);
      const ledger = new Ledger(storage);
      const run = ledger.run();
      if (!run) throw new Error("no run");
      cursors.length = 0;

      const status = runStatus(ledger, run, 0);
      expect(status.errors.map((e) => e.rangeId)).toEqual(FAILED);
      expect(status.ranges.total).toBe(RANGES);

      const failedQuery = cursors.filter((c) => /failed|status = \?/.test(c.query) && /FROM ranges/.test(c.query));
      expect(failedQuery.length, "the failed-ranges query ran").toBeGreaterThan(0);
      for (const { query, cursor } of failedQuery) {
        expect(cursor.rowsRead, `rows read by: ${query}`).toBeLessThanOrEqual(FAILED.length + 1);
      }
      const total = cursors.reduce((n, c) => n + c.cursor.rowsRead, 0);
      expect(total, "rows read by the whole status").toBeLessThan(50);
    });
  });

  it("pages one state through the index, and all states in id order (GET /ranges)", async () => {
    const stub = env.COORDINATOR.get(env.COORDINATOR.idFromName(`status-cost-${crypto.randomUUID()}`));
    await runInDurableObject(stub, (_instance, state) => {
      seed(state);
      const { storage, cursors } = metered(state.storage.sql);
      const ledger = new Ledger(storage);

      cursors.length = 0;
      expect(ledger.page("failed", 17, 10).map((r) => r.id)).toEqual(FAILED.slice(1));
      expect(cursors[0]?.cursor.rowsRead).toBeLessThanOrEqual(FAILED.length);

      cursors.length = 0;
      expect(ledger.page("pending", 3_000, 5).map((r) => r.id)).toEqual([3_001, 3_002, 3_003, 3_004, 3_005]);
      expect(cursors[0]?.cursor.rowsRead).toBeLessThanOrEqual(6);

      cursors.length = 0;
      expect(ledger.page(null, 4_000, 3).map((r) => r.id)).toEqual([4_001, 4_002, 4_003]);
      expect(cursors[0]?.cursor.rowsRead).toBeLessThanOrEqual(4);
    });
  });
});
