/**
 * The ledger's reads: the run row, ranges by id, and the counts and pages
 * the status, the listings and the dispatcher look at. Ledger (ledger.ts)
 * adds the writes; both work on the Coordinator's SQLite storage.
 */
import type { RangeCounts, RangeRow, RunRow } from "./ledger-rows";
import type { RangeState, RunError } from "./types";

export type Rec = Record<string, SqlStorageValue>;

/** DO SQLite allows at most 100 bound parameters per statement. */
export const MAX_PARAMS = 100;

export class LedgerReads {
  constructor(protected readonly sql: SqlStorage) {}

  run(): RunRow | null {
    return this.sql.exec<RunRow & Rec>("SELECT * FROM run WHERE id = 1").toArray()[0] ?? null;
  }

  range(id: number): RangeRow | null {
    return this.sql.exec<RangeRow & Rec>("SELECT * FROM ranges WHERE id = ?", id).toArray()[0] ?? null;
  }

  /** Several ranges by id, in as few statements as the parameter limit allows. */
  rangesById(ids: readonly number[]): Map<number, RangeRow> {
    const out = new Map<number, RangeRow>();
    for (let i = 0; i < ids.length; i += MAX_PARAMS) {
      const chunk = ids.slice(i, i + MAX_PARAMS);
      const rows = this.sql.exec<RangeRow & Rec>(`SELECT * FROM ranges WHERE id IN (${chunk.map(() => "?").join(", ")})`, ...chunk);
      for (const row of rows) out.set(row.id, row);
    }
    return out;
  }

  /** Ranges per state; `total` counts the ranges that cover the key space (split parents excluded). */
  counts(): RangeCounts {
    const counts: RangeCounts = { total: 0, pending: 0, running: 0, done: 0, failed: 0 };
    for (const row of this.sql.exec<{ status: RangeState; n: number }>("SELECT status, n FROM range_counts")) {
      if (row.status === "split" || row.status === "dropped") continue;
      counts[row.status] = row.n;
      counts.total += row.n;
    }
    return counts;
  }

  /** Oversized ranges that cover the key space (few; read through a partial index). */
  oversizedCount(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM ranges WHERE oversized = 1 AND status <> 'split'").one().n;
  }

  countInState(status: RangeState): number {
    return this.sql.exec<{ n: number }>("SELECT n FROM range_counts WHERE status = ?", status).one().n;
  }

  /** Every descendant of split range `id`, with its state. */
  descendants(id: number): Array<{ id: number; status: RangeState }> {
    return this.sql
      .exec<{ id: number; status: RangeState }>(
        `WITH RECURSIVE down(id) AS (SELECT id FROM ranges WHERE parent = ? UNION ALL SELECT r.id FROM ranges r JOIN down ON r.parent = down.id)
         SELECT ranges.id, ranges.status FROM ranges JOIN down ON ranges.id = down.id`,
        id,
      )
      .toArray();
  }

  /** Pending ranges (canary ones, if asked) due to run now, counted up to `limit`. */
  countDue(now: number, canaryOnly: boolean, limit: number): number {
    return this.sql
      .exec<{ n: number }>(
        `SELECT count(*) AS n FROM (SELECT 1 FROM ranges WHERE status = 'pending' AND coalesce(not_before, 0) <= ? AND canary >= ? LIMIT ?)`,
        now, canaryOnly ? 1 : 0, limit,
      )
      .one().n;
  }

  expiredLeases(now: number): RangeRow[] {
    return this.sql
      .exec<RangeRow & Rec>("SELECT * FROM ranges WHERE status = 'running' AND lease_until <= ? ORDER BY id", now)
      .toArray();
  }

  /** The first lease deadline of a running range; null when none runs. */
  firstLeaseEnd(): number | null {
    return this.sql.exec<{ at: number | null }>("SELECT min(lease_until) AS at FROM ranges WHERE status = 'running'").one().at;
  }

  /** The first time after `now` that a pending range waiting out its backoff becomes due; null when none waits. */
  firstRetryAfter(now: number): number | null {
    return (
      this.sql
        .exec<{ at: number }>(
          "SELECT not_before AS at FROM ranges WHERE status = 'pending' AND not_before > ? ORDER BY not_before LIMIT 1",
          now,
        )
        .toArray()[0]?.at ?? null
    );
  }

  /** True while some range (some canary range, if asked) is pending or running. */
  hasOpenRanges(canaryOnly = false): boolean {
    return (
      this.sql
        .exec<{ open: number }>(
          "SELECT EXISTS (SELECT 1 FROM ranges WHERE status IN ('pending', 'running') AND canary >= ?) AS open",
          canaryOnly ? 1 : 0,
        )
        .one().open === 1
    );
  }

  hasFailedRanges(canaryOnly = false): boolean {
    return (
      this.sql
        .exec<{ any: number }>("SELECT EXISTS (SELECT 1 FROM ranges WHERE status = 'failed' AND canary >= ?) AS any", canaryOnly ? 1 : 0)
        .one().any === 1
    );
  }

  canaryStats(): { ranges: number; done: number; failed: number; rows: number; avgMs: number | null } {
    return this.sql
      .exec<{ ranges: number; done: number; failed: number; rows: number; avgMs: number | null }>(
        `SELECT count(*) AS ranges, count(*) FILTER (WHERE status = 'done') AS done,
                count(*) FILTER (WHERE status = 'failed') AS failed, coalesce(sum(rows), 0) AS rows,
                avg(duration_ms) FILTER (WHERE status = 'done') AS avgMs
         FROM ranges WHERE canary = 1 AND status NOT IN ('split', 'dropped')`,
      )
      .one();
  }

  /**
   * A page of the ledger in id order, after `afterId`, optionally of one state.
   * Two statements, not one with `(? IS NULL OR status = ?)`: SQLite plans a
   * statement once, without the bindings, so that form cannot use the
   * `(status, id)` index and scans every range (test/status-cost.integration.test.ts).
   */
  page(status: RangeState | null, afterId: number, limit: number): RangeRow[] {
    const rows =
      status === null
        ? this.sql.exec<RangeRow & Rec>("SELECT * FROM ranges WHERE id > ? ORDER BY id LIMIT ?", afterId, limit)
        : this.sql.exec<RangeRow & Rec>(
            "SELECT * FROM ranges WHERE status = ? AND id > ? ORDER BY id LIMIT ?",
            status, afterId, limit,
          );
    return rows.toArray();
  }

  failedRanges(limit: number): RunError[] {
    return this.page("failed", -1, limit).map((r) => ({
      rangeId: r.id,
      start: r.start,
      end: r.end,
      attempts: r.attempt,
      code: r.error_code,
      message: r.error_message ?? "",
    }));
  }
}
