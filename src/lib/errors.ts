/**
 * Turning anything thrown into a code and a message. What the code means
 * (retry, spare, overload, split) is decided by the table in error-policy.ts;
 * this file only names the failure, from structured fields, never from
 * message text: a Postgres error's SQLSTATE `code`, a Durable Object error's
 * `retryable`/`overloaded` flags, rangemap's own `CodedError`s.
 */
import { isSqlState, policyOf } from "./error-policy";

/**
 * An error rangemap raises itself, with a code from the policy table:
 * `connection_failed`, `range_timeout`, `not_started`, `job_error`, …
 */
export class CodedError extends Error {
  constructor(
    readonly code: string,
    message: string,
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

/** A readable message for anything thrown, including a WebSocket's ErrorEvent. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  const message = field(err, "message");
  if (typeof message === "string" && message) return message;
  const type = field(err, "type");
  if (typeof type === "string") return `connection failed (${type} event)`;
  return String(err);
}

/** The code a thrown value is filed under; null for a job's own plain Error. */
export function codeOf(err: unknown): string | null {
  if (err instanceof CodedError) return err.code;
  const code = field(err, "code");
  if (isSqlState(code)) return code;
  if (err instanceof TypeError || err instanceof ReferenceError || err instanceof SyntaxError || err instanceof RangeError) {
    return "job_error";
  }
  if (field(err, "retryable") === true || field(err, "overloaded") === true) return "do_unavailable";
  return null;
}

/**
 * Code, message and whether to retry, for anything thrown.
 *
 * @example describeError(Object.assign(new Error("x"), { code: "57P01" })) // { code: "57P01", retryable: true, … }
 */
export function describeError(err: unknown): ErrorInfo {
  const code = codeOf(err);
  return { code, message: messageOf(err), retryable: policyOf(code).retryable };
}
