/**
 * The one error policy: what each failure code means (retry, spare the
 * attempt, overload, split), and how a thrown value gets its code. Decisions
 * come from structured fields (SQLSTATE, DO flags), never from message text.
 */
import { describe, expect, it } from "vitest";
import { policyOf } from "../src/lib/error-policy";
import { CodedError, describeError } from "../src/lib/errors";

function pgError(code: string, message = "boom") {
  return Object.assign(new Error(message), { code });
}

/** [code, retryable, sparesAttempt, overload, splits] */
const TABLE: Array<[string | null, boolean, boolean, boolean, boolean]> = [
  // The database was down, restarting, full, or the connection was lost: spared; overload when saturated.
  ["connection_failed", true, true, true, false],
  ["53300", true, true, true, false],
  ["53200", true, true, true, false],
  ["08006", true, true, true, false],
  ["08001", true, true, true, false],
  ["57P03", true, true, true, false],
  ["57P01", true, true, false, false],
  ["57P02", true, true, false, false],
  ["not_started", true, true, false, false],
  // Exactly-once: another attempt holds the range's lock; tried again later, unspent, not overload.
  ["range_busy", true, true, false, false],
  // Too slow: retried smaller.
  ["range_timeout", true, false, true, true],
  ["57014", true, false, true, true],
  ["25P04", true, false, true, true],
  ["25P03", true, false, true, true],
  // Transient, and the attempt counts.
  ["40001", true, false, false, false],
  ["40P01", true, false, false, false],
  ["55P03", true, false, false, false],
  ["58030", true, false, false, false],
  ["lease_expired", true, false, false, false],
  ["do_unavailable", true, false, false, false],
  [null, true, false, false, false],
  // Final: the job's or the data's fault. 08P01 is a bind with the wrong number of parameters.
  ["08P01", false, false, false, false],
  ["job_error", false, false, false, false],
  ["statement_refused", false, false, false, false],
  ["invalid_params", false, false, false, false],
  ["job_not_found", false, false, false, false],
  ["range_superseded", false, false, false, false],
  ["22012", false, false, false, false],
  ["42P01", false, false, false, false],
  ["23505", false, false, false, false],
  ["some_new_code", false, false, false, false],
];

describe("policyOf", () => {
  it.each(TABLE)("%s → retryable %s, spares %s, overload %s, splits %s", (code, retryable, sparesAttempt, overload, splits) => {
    expect(policyOf(code)).toEqual({ retryable, sparesAttempt, overload, splits });
  });

  it("only spares or lowers concurrency for retryable failures", () => {
    for (const [code] of TABLE) {
      const p = policyOf(code);
      if (p.sparesAttempt || p.splits) expect(p.retryable).toBe(true);
    }
  });
});

describe("describeError", () => {
  it("files a Postgres error under its SQLSTATE, whatever its message says", () => {
    expect(describeError(pgError("57P01"))).toEqual({ code: "57P01", message: "boom", retryable: true });
    expect(describeError(pgError("42601", "connection terminated, too many connections"))).toMatchObject({ code: "42601", retryable: false });
  });

  it("files programming errors as job errors, final, and a job's own Error as code null, retried", () => {
    expect(describeError(new TypeError("x is undefined"))).toMatchObject({ code: "job_error", retryable: false });
    expect(describeError(new Error("Connection terminated unexpectedly"))).toMatchObject({ code: null, retryable: true });
  });

  it("keeps rangemap's own codes", () => {
    expect(describeError(new CodedError("connection_failed", "gone"))).toEqual({ code: "connection_failed", message: "gone", retryable: true });
    expect(describeError(new CodedError("job_error", "bad"))).toMatchObject({ retryable: false });
  });

  it("retries Durable Object errors flagged retryable or overloaded", () => {
    expect(describeError(Object.assign(new Error("x"), { overloaded: true }))).toMatchObject({ code: "do_unavailable", retryable: true });
    expect(describeError(Object.assign(new Error("x"), { retryable: true }))).toMatchObject({ code: "do_unavailable", retryable: true });
  });

  it("gives a readable message for a WebSocket error event", () => {
    expect(describeError({ type: "error", message: "" }).message).toBe("connection failed (error event)");
    expect(describeError({ type: "error", message: "connect ECONNREFUSED" }).message).toBe("connect ECONNREFUSED");
  });
});
