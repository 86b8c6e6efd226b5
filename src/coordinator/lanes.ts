/**
 * The lane book: which lanes a run has. A lane is one connection in a
 * consumer that runs the run's ranges in turn; it exists from the moment its
 * start message is sent ("starting") until it hands back, and counts against
 * the run's concurrency all that time, so the database never sees more of the
 * run's connections than `concurrency`. A lane the book no longer knows (it
 * was given up for dead, or the run moved on) is told to stop when it calls.
 */

type Rec = Record<string, SqlStorageValue>;

export interface LaneRow {
  id: number;
  state: "starting" | "active";
  sent_at: number;
  seen_at: number | null;
}

export class Lanes {
  constructor(private readonly sql: SqlStorage) {}

  /** Lanes in the book, and how many of them have not called yet. */
  count(): { total: number; starting: number } {
    return this.sql
      .exec<{ total: number; starting: number }>(
        "SELECT count(*) AS total, coalesce(sum(state = 'starting'), 0) AS starting FROM lanes",
      )
      .one();
  }

  /** Books `n` new lanes as starting; returns their ids. */
  open(n: number, now: number): number[] {
    if (n <= 0) return [];
    const first = this.sql.exec<{ next_lane: number }>("SELECT next_lane FROM run WHERE id = 1").one().next_lane;
    const ids = Array.from({ length: n }, (_, i) => first + i);
    for (const id of ids) this.sql.exec("INSERT INTO lanes (id, state, sent_at) VALUES (?, 'starting', ?)", id, now);
    this.sql.exec("UPDATE run SET next_lane = ? WHERE id = 1", first + n);
    return ids;
  }

  /** Forgets lanes (handed back, never sent, or given up for dead). */
  drop(ids: readonly number[]): void {
    for (const id of ids) this.sql.exec("DELETE FROM lanes WHERE id = ?", id);
  }

  /** Records a call from `lane`; false when the book does not know it. Counts the call either way. */
  touch(lane: number, now: number): boolean {
    this.sql.exec("UPDATE run SET lane_calls = lane_calls + 1 WHERE id = 1");
    return this.sql.exec("UPDATE lanes SET state = 'active', seen_at = ? WHERE id = ?", now, lane).rowsWritten > 0;
  }

  /** Whether `lane` is one of the newest of the `total` lanes beyond `limit` (the concurrency went down): it should stop. */
  isSurplus(lane: number, limit: number, total: number): boolean {
    if (total <= limit) return false;
    const newer = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM lanes WHERE id > ?", lane).one().n;
    return newer < total - limit;
  }

  /**
   * Lanes to give up on: an active lane silent for `silentMs`, a starting lane
   * whose message has waited `startMs` (lost, most likely: a restart empties
   * a local queue). Their ranges come back through their own leases.
   */
  expired(now: number, silentMs: number, startMs: number): number[] {
    return this.sql
      .exec<{ id: number } & Rec>(
        "SELECT id FROM lanes WHERE (state = 'active' AND seen_at <= ?) OR (state = 'starting' AND sent_at <= ?)",
        now - silentMs, now - startMs,
      )
      .toArray()
      .map((r) => r.id);
  }

  /** When the first lane would be given up on; null when there are none. */
  firstDeadline(silentMs: number, startMs: number): number | null {
    return this.sql
      .exec<{ at: number | null }>(
        "SELECT min(CASE WHEN state = 'active' THEN seen_at + ? ELSE sent_at + ? END) AS at FROM lanes",
        silentMs, startMs,
      )
      .one().at;
  }

  /** A stopped run has no lanes: the ones still out are told to stop when they call. */
  clear(): void {
    this.sql.exec("DELETE FROM lanes");
  }
}
