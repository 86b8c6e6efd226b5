/**
 * Error classification from structured fields, never from message text.
 *
 * Postgres errors carry a SQLSTATE `code`; connection failures carry no code.
 * Durable Object errors carry `retryable` / `overloaded` flags.
 */

/** SQLSTATEs worth another attempt: the database, not the job, was at fault. */
const TRANSIENT_SQLSTATES = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "53300", // too_many_connections
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "57014", // query_canceled (statement timeout)
  "55P03", // lock_not_available
]);

/** SQLSTATE classes that are transient as a whole. */
const TRANSIENT_CLASSES = new Set(["08", "53", "58"]);

const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * An error rangemap raises itself, with its own code and retry decision:
 * `connection_failed` (the driver lost or could not open its connection),
 * `range_timeout`, `not_started`, `job_error`, …
 */
export class CodedError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface ErrorInfo {
  code: string | null;
  message: string;
  retryable: boolean;
}

function field(err: unknown, name: string): unknown {
  return typeof err === "object" && err !== null && name in err ? (err as Record<string, unknown>)[name] : undefined;
}

/** Whether a SQLSTATE is worth retrying. */
export function isTransientSqlState(code: string): boolean {
  return TRANSIENT_SQLSTATES.has(code) || TRANSIENT_CLASSES.has(code.slice(0, 2));
}

/**
 * Classifies an error for the retry policy.
 * - A Postgres error: retryable only for transient SQLSTATEs.
 * - A Durable Object error flagged `retryable` or `overloaded`: retryable.
 * - A programming error (TypeError, RangeError, …): a bug in the job, final.
 * - Anything else without a code (e.g. a job's own `throw new Error`): retried,
 *   using up the range's attempts. Connection failures are tagged
 *   `connection_failed` where the driver is called (src/consumer/run-range.ts).
 * - A `CodedError`: its own code and decision.
 */
/** A readable message for anything thrown, including a WebSocket's ErrorEvent. */
function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  const message = field(err, "message");
  if (typeof message === "string" && message) return message;
  const type = field(err, "type");
  if (typeof type === "string") return `connection failed (${type} event)`;
  return String(err);
}

export function describeError(err: unknown): ErrorInfo {
  const message = messageOf(err);
  if (err instanceof CodedError) return { code: err.code, message, retryable: err.retryable };
  const code = field(err, "code");
  if (typeof code === "string" && SQLSTATE.test(code)) {
    return { code, message, retryable: isTransientSqlState(code) };
  }
  if (err instanceof TypeError || err instanceof ReferenceError || err instanceof SyntaxError || err instanceof RangeError) {
    return { code: "job_error", message, retryable: false };
  }
  if (field(err, "retryable") === true || field(err, "overloaded") === true) {
    return { code: "do_unavailable", message, retryable: true };
  }
  return { code: null, message, retryable: true };
}
