/**
 * One error type, one handler. Routes throw `apiError(...)` (or
 * `domainError(...)` for a failure from the layers below, whose codes map to
 * HTTP statuses here and nowhere else); `onError` turns it, and anything
 * unexpected, into the stable JSON envelope `{ "error": { "code", "message" } }`.
 * Unexpected errors are logged and answered without internals: no stack
 * trace, no secret, reaches the client.
 */
import type { DomainCode, DomainFailure } from "../lib/domain-error";
import { logError } from "../lib/log";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

class ApiException extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(status, { message });
  }
}

export function apiError(status: ContentfulStatusCode, code: string, message: string): HTTPException {
  return new ApiException(status, code, message);
}

/** The HTTP status of each domain code. A SQLSTATE from planning (`sqlstate_…`) is a 422: the job and the database do not fit. */
const STATUS_OF: Record<Exclude<DomainCode, `sqlstate_${string}`>, ContentfulStatusCode> = {
  run_not_found: 404,
  job_not_found: 404,
  run_not_running: 409,
  nothing_to_retry: 409,
  job_removed: 409,
  invalid_bounds: 400,
  too_many_ranges: 400,
  table_not_found: 422,
  key_not_found: 422,
  key_type_mismatch: 422,
  key_type_unsupported: 422,
  null_keys: 422,
  unsupported_database: 422,
  key_not_indexed: 422,
  database_unavailable: 503,
  too_many_watchers: 429,
  effects_table_unavailable: 403,
  effects_deleted: 409,
  run_in_progress: 409,
  incremental_unsupported: 422,
};

export function statusOf(code: DomainCode): ContentfulStatusCode {
  return code.startsWith("sqlstate_") ? 422 : STATUS_OF[code as keyof typeof STATUS_OF];
}

/** A failure from the Coordinator, the planner or the run starter, as the HTTP error to throw. */
export function domainError(f: DomainFailure): HTTPException {
  return new ApiException(statusOf(f.code), f.code, f.message);
}

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

const CODES: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
};

export function onError(err: Error, c: Context): Response {
  if (err instanceof ApiException) {
    return c.json(errorBody(err.code, err.message), err.status);
  }
  if (err instanceof HTTPException) {
    const code = CODES[err.status] ?? "http_error";
    return c.json(errorBody(code, err.message || code.replace(/_/g, " ")), err.status as ContentfulStatusCode);
  }
  logError("unhandled error", { path: c.req.path, error: err.message });
  return c.json(errorBody("internal_error", "an unexpected error occurred; it has been logged"), 500);
}
