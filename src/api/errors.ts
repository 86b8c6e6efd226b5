/**
 * One error type, one handler. Routes throw `apiError(...)`; `onError` turns
 * it (and anything unexpected) into the stable JSON envelope
 * `{ "error": { "code", "message" } }`. Unexpected errors are logged and
 * answered without internals: no stack trace, no secret, reaches the client.
 */
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
