/**
 * What a failure means, in one table keyed by its code.
 *
 * A code is a Postgres SQLSTATE or one of rangemap's own codes
 * (`connection_failed`, `range_timeout`, …). Every decision the consumer and
 * the Coordinator take about a failure (retry it, give the attempt back, lower
 * the concurrency, split the range) is read from here and nowhere else, so
 * one code cannot mean "retryable" in one file and "final" in another.
 */

export interface Consequences {
  /** Another attempt may succeed. */
  retryable: boolean;
  /** The failure says nothing about the range (the database was down or full): the attempt is given back, within a cap. */
  sparesAttempt: boolean;
  /** The database is struggling: the run halves its effective concurrency. */
  overload: boolean;
  /** The range took too long: it is split in two rather than retried as it is. */
  splits: boolean;
}

const FINAL: Consequences = { retryable: false, sparesAttempt: false, overload: false, splits: false };
const RETRY: Consequences = { ...FINAL, retryable: true };
/** The database, not the range, failed. */
const UNAVAILABLE: Consequences = { ...RETRY, sparesAttempt: true };
/** The database is unavailable because it is overloaded. */
const SATURATED: Consequences = { ...UNAVAILABLE, overload: true };
const TOO_SLOW: Consequences = { ...RETRY, overload: true, splits: true };

/** rangemap's own codes. */
const OWN: Record<string, Consequences> = {
  /** The driver could not open its connection, or lost it mid-query. */
  connection_failed: SATURATED,
  /** The range ran past its timeout (the consumer stopped it). */
  range_timeout: TOO_SLOW,
  /** The range waited past its lease in a busy batch and never ran. */
  not_started: UNAVAILABLE,
  /** No report before the lease deadline (lost message, dead consumer). */
  lease_expired: RETRY,
  /** A Durable Object call failed with a `retryable`/`overloaded` flag. */
  do_unavailable: RETRY,
  /**
   * Exactly-once jobs: another attempt of the range (or of a range it was
   * split from or into) holds the range's lock. This one did not wait, so it
   * held no backend; it is tried again later without spending an attempt.
   */
  range_busy: UNAVAILABLE,
  /** Exactly-once jobs: the range was split and a descendant committed; its report is never folded. */
  range_superseded: FINAL,
  /** A bug in the job: a TypeError, a result that is not JSON or does not combine, a driver misuse. */
  job_error: FINAL,
  /** The job's SQL tried to change the transaction or the session, which rangemap owns. */
  statement_refused: FINAL,
  invalid_params: FINAL,
  job_not_found: FINAL,
};

/** Exact SQLSTATEs; they take precedence over their class. */
const SQLSTATES: Record<string, Consequences> = {
  "40001": RETRY, // serialization_failure
  "40P01": RETRY, // deadlock_detected
  "55P03": RETRY, // lock_not_available (lock_timeout)
  "57014": TOO_SLOW, // query_canceled (statement_timeout)
  "25P04": TOO_SLOW, // transaction_timeout (PostgreSQL 17), set per range in transaction mode
  "25P03": TOO_SLOW, // idle_in_transaction_session_timeout
  "57P01": UNAVAILABLE, // admin_shutdown (a terminated backend)
  "57P02": UNAVAILABLE, // crash_shutdown
  "57P03": SATURATED, // cannot_connect_now (starting up)
  // protocol_violation: in practice a bind with the wrong number of
  // parameters, i.e. the job's own query. Class 08 would call it a lost connection.
  "08P01": FINAL,
};

/** SQLSTATE classes (first two characters). */
const CLASSES: Record<string, Consequences> = {
  "08": SATURATED, // connection_exception
  "53": SATURATED, // insufficient_resources (too_many_connections, out of memory, disk full)
  "58": RETRY, // system_error (I/O)
};

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** Whether `code` has the shape of a SQLSTATE. */
export function isSqlState(code: unknown): code is string {
  return typeof code === "string" && SQLSTATE.test(code);
}

/**
 * The consequences of a failure with `code`.
 * - `null`: a job's own `throw new Error(…)`; retried, and each try counts.
 * - A SQLSTATE not listed: an error of the query or the data; final.
 * - An unknown rangemap code: final, so a new code must be added here to be retried.
 *
 * @example policyOf("57014") // { retryable: true, sparesAttempt: false, overload: true, splits: true }
 */
export function policyOf(code: string | null): Consequences {
  if (code === null) return RETRY;
  if (isSqlState(code)) return SQLSTATES[code] ?? CLASSES[code.slice(0, 2)] ?? FINAL;
  return OWN[code] ?? FINAL;
}
