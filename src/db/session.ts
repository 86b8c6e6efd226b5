/**
 * The per-range session protocol, decided once for every connector and job.
 *
 * 1. Server-side limits. Every range's statements run under
 *    `statement_timeout`, `lock_timeout` and
 *    `idle_in_transaction_session_timeout` equal to the range's timeout, so
 *    Postgres itself ends a query the consumer gave up on: an abandoned query
 *    cannot hold a backend (or wait on a lock) past the range's time.
 * 2. Where they are set. On a connection whose session state survives
 *    between statements (the Neon driver), they are set once per connection
 *    with session `SET`: the common case costs no round trip per range. On a
 *    pool in transaction mode (Hyperdrive), session state does not survive,
 *    so each range runs in a transaction that opens with `SET LOCAL` (plus
 *    `transaction_timeout` on PostgreSQL 17+), and commits or rolls back at
 *    its end. Jobs that need their writes to commit with their result use
 *    the same transaction.
 * 3. A clean session. The job's `sql` refuses statements that change the
 *    session or the transaction (statement-guard.ts); after every range the
 *    transaction status the server reports with each reply is checked, and a
 *    transaction left open is rolled back (no round trip when none is). A
 *    failed range resets the connection; a timed-out one first waits for
 *    its query to end (at most the timeout again plus SETTLE_GRACE_MS), so
 *    one lane never has two backends.
 */
import { CodedError } from "../lib/errors";
import type { Connection } from "./connector";

/** After a range times out, how much longer than its timeout to wait for its query to end before dropping the connection. */
export const SETTLE_GRACE_MS = 1_000;

/** The timeout settings, as one simple-protocol statement list. */
export function timeoutSettings(timeoutMs: number, local: boolean, serverVersionNum: number): string {
  const set = local ? "SET LOCAL" : "SET";
  const ms = Math.max(1, Math.floor(timeoutMs));
  // TimeZone is pinned so that a job's timestamps read and print the same on every database (docs/keys.md).
  const parts = [`${set} statement_timeout = ${ms}`, `${set} lock_timeout = ${ms}`, `${set} idle_in_transaction_session_timeout = ${ms}`, `${set} TimeZone = 'UTC'`];
  if (local && serverVersionNum >= 170_000) parts.push(`${set} transaction_timeout = ${ms}`);
  return parts.join("; ");
}

function failedTransaction(): CodedError {
  return new CodedError("job_error", "a statement of the range failed inside its transaction (the job caught the error), so nothing of it was committed");
}

/** One connection's side of the protocol: what it has set, and whether a range's transaction is open. */
export class RangeSession {
  private sessionTimeoutMs: number | null = null;
  private inRangeTransaction = false;

  constructor(private readonly connection: Connection) {}

  /** Called before a range's first statement. */
  async prepare(timeoutMs: number, transactional: boolean): Promise<void> {
    if (transactional || this.connection.pooling === "transaction") {
      // A range that writes reads committed data: its exactly-once lookup must see what committed
      // before its lock was granted, whatever default_transaction_isolation the role has.
      const begin = transactional ? "BEGIN ISOLATION LEVEL READ COMMITTED" : "BEGIN";
      await this.connection.query(`${begin}; ${timeoutSettings(timeoutMs, true, this.connection.serverVersionNum())}`);
      this.inRangeTransaction = true;
    } else if (this.sessionTimeoutMs !== timeoutMs) {
      await this.connection.query(timeoutSettings(timeoutMs, false, this.connection.serverVersionNum()));
      this.sessionTimeoutMs = timeoutMs;
    }
  }

  /**
   * Called after a range that used the connection. Commits the range's
   * transaction when the range succeeded, and never leaves one open. Throws
   * when a range that reports success left its transaction failed: its
   * writes would be lost without a word.
   */
  async finish(ok: boolean): Promise<void> {
    const status = this.connection.transactionStatus();
    if (this.inRangeTransaction) {
      this.inRangeTransaction = false;
      if (!ok || status === "failed") {
        await this.connection.query("ROLLBACK");
        if (ok) throw failedTransaction();
        return;
      }
      // The status read above may predate the reply to the job's last statement:
      // the commit's own answer is what says whether anything was committed.
      if (!(await this.connection.commit())) throw failedTransaction();
    } else if (status !== "idle") {
      await this.connection.query("ROLLBACK");
    }
  }
}
