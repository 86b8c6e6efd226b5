/**
 * A lane's connection: one connection for the ranges a lane runs in turn,
 * opened on the first query (a job may never need one). Each range is
 * bracketed by the session protocol (src/db/session.ts): its first query
 * brings the server-side limits, its end leaves no transaction open. After
 * a failure the connection is reset; after a timeout it first waits for the
 * abandoned query to end, so the lane never holds two backends.
 */
import { connectorFor, type Connection, type DbEnv } from "../db/connector";
import { RangeSession } from "../db/session";
import type { Queryable } from "../db/sql";
import { CodedError } from "../lib/errors";
import { sleep } from "../lib/sleep";

/** One range on the lane, from `beginRange` to its end or the lane's reset. */
export interface OpenRange {
  timeoutMs: number;
  transactional: boolean;
  prepared: Promise<void> | null;
}

/**
 * A statement of a range that is already over: not sent. Without this check, a
 * job still running after its range timed out (and the lane was reset) would
 * open a fresh connection and run outside the range's transaction, and an
 * exactly-once record could then commit without the writes it stands for.
 */
function rangeOver(): CodedError {
  return new CodedError("range_timeout", "the range was over (timed out or ended) before this statement; it was not sent");
}


/** How long a reset waits for a connection to close before it moves on. */
const CLOSE_WAIT_MS = 1_000;

export class Lane implements Queryable {
  private connection: Promise<{ connection: Connection; session: RangeSession }> | null = null;
  private range: OpenRange | null = null;
  private readonly inflight = new Set<Promise<unknown>>();

  /** `label` tags the connection in `pg_stat_activity` (the consumer invocation it belongs to). */
  constructor(
    private readonly env: DbEnv,
    private readonly label?: string,
  ) {}

  /**
   * Starts connecting now, so the connection is ready when the lane's first
   * range needs it instead of after the lane's first Coordinator call.
   */
  warm(): void {
    void this.open().catch(() => {});
  }

  private open(): Promise<{ connection: Connection; session: RangeSession }> {
    // One connect even if a job issues queries in parallel.
    this.connection ??= connectorFor(this.env)
      .connect({ label: this.label })
      .then((connection) => ({ connection, session: new RangeSession(connection) }))
      .catch((err: unknown) => {
        this.connection = null;
        throw err;
      });
    return this.connection;
  }

  /** Opens a range: its first query prepares the session. A range that never queries costs nothing. */
  beginRange(timeoutMs: number, transactional = false): OpenRange {
    this.range = { timeoutMs, transactional, prepared: null };
    return this.range;
  }

  /** A statement; with `of`, a statement of that range, refused once the range is over. */
  async query(text: string, values?: unknown[], of?: OpenRange): Promise<{ rows: unknown[] }> {
    if (of && of !== this.range) throw rangeOver();
    const { connection, session } = await this.open();
    if (of && of !== this.range) throw rangeOver();
    const range = this.range;
    if (range) {
      range.prepared ??= session.prepare(range.timeoutMs, range.transactional);
      await range.prepared;
      if (of && of !== this.range) throw rangeOver();
    }
    const pending = connection.query(text, values);
    this.inflight.add(pending);
    try {
      return await pending;
    } finally {
      this.inflight.delete(pending);
    }
  }

  /** Closes the range: commits or rolls back what it opened, and leaves no transaction behind. */
  async endRange(ok: boolean): Promise<void> {
    const range = this.range;
    this.range = null;
    if (!range?.prepared || !this.connection) return;
    await range.prepared;
    const { session } = await this.connection;
    await session.finish(ok);
  }

  /** Waits for the queries still running on this connection to end, at most `maxMs`. */
  async settle(maxMs: number): Promise<void> {
    if (this.inflight.size === 0) return;
    await Promise.race([Promise.allSettled([...this.inflight]), sleep(maxMs)]);
  }

  /**
   * Drops the connection so the next range opens a fresh one. A connection
   * still being opened is closed when it opens, without waiting for it: a
   * connect to a database that is down may take until its timeout.
   */
  async reset(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    this.range = null;
    if (!connection) return;
    const closing = connection.then((c) => c.connection.close()).catch(() => {});
    await Promise.race([closing, sleep(CLOSE_WAIT_MS)]);
  }
}
