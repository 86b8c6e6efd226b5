/**
 * Retry decisions come from structured fields (SQLSTATE, DO flags), never
 * from message text.
 */
import { describe, expect, it } from "vitest";
import { describeError, isTransientSqlState } from "../src/lib/errors";

function pgError(code: string, message = "boom") {
  return Object.assign(new Error(message), { code });
}

describe("describeError", () => {
  it("retries transient SQLSTATEs", () => {
    for (const code of ["57P01", "53300", "40001", "40P01", "57014", "08006"]) {
      expect(describeError(pgError(code))).toMatchObject({ code, retryable: true });
    }
  });

  it("does not retry errors of the query or the data", () => {
    for (const code of ["42P01", "42703", "22003", "23505"]) {
      expect(describeError(pgError(code))).toMatchObject({ code, retryable: false });
    }
  });

  it("ignores message text", () => {
    expect(describeError(pgError("42601", "connection terminated, too many connections")).retryable).toBe(false);
  });

  it("treats a job bug as final and a code-less failure as transient", () => {
    expect(describeError(new TypeError("x is undefined"))).toMatchObject({ code: "job_error", retryable: false });
    expect(describeError(new Error("Connection terminated unexpectedly"))).toMatchObject({ code: null, retryable: true });
  });

  it("retries Durable Object errors flagged retryable or overloaded", () => {
    expect(describeError(Object.assign(new Error("x"), { overloaded: true })).retryable).toBe(true);
    expect(describeError(Object.assign(new Error("x"), { retryable: true })).retryable).toBe(true);
  });

  it("gives a readable message for a WebSocket error event, and retries it", () => {
    const event = { type: "error", message: "" };
    expect(describeError(event)).toEqual({ code: null, message: "connection failed (error event)", retryable: true });
    expect(describeError({ type: "error", message: "connect ECONNREFUSED" }).message).toBe("connect ECONNREFUSED");
  });

  it("classifies whole transient classes", () => {
    expect(isTransientSqlState("08001")).toBe(true);
    expect(isTransientSqlState("42P01")).toBe(false);
  });
});
