/**
 * The pure parts of the fold policy: which failures count as overload, the
 * retry backoff, and additive-increase/multiplicative-decrease concurrency.
 */
import { describe, expect, it } from "vitest";
import { adjustConcurrency, backoffMs, isOverload, isUnavailable, minSplitWidth, type ConcurrencyState } from "../src/coordinator/fold";

describe("isOverload", () => {
  it("flags too many connections, refused or lost connections, and timeouts", () => {
    for (const code of ["connection_failed", "53300", "53200", "08006", "08001", "57P03", "57014", "range_timeout"]) {
      expect(isOverload(code)).toBe(true);
    }
  });
  it("does not flag errors of the job or the data, nor a killed backend", () => {
    for (const code of [null, "22012", "42P01", "job_error", "57P01", "40001", "lease_expired", "not_started"]) {
      expect(isOverload(code)).toBe(false);
    }
  });
});

describe("isUnavailable", () => {
  it("spares a range's attempts when the database was down, restarting or full", () => {
    for (const code of ["connection_failed", "57P01", "57P03", "53300", "08006"]) expect(isUnavailable(code)).toBe(true);
  });
  it("counts failures of the range itself", () => {
    for (const code of [null, "22012", "42P01", "57014", "range_timeout", "40001", "job_error"]) expect(isUnavailable(code)).toBe(false);
  });
});

describe("backoffMs", () => {
  it("doubles per attempt, with jitter in the upper half, capped at 30 s", () => {
    expect(backoffMs(1, () => 0)).toBe(250);
    expect(backoffMs(1, () => 1)).toBe(500);
    expect(backoffMs(3, () => 1)).toBe(2000);
    expect(backoffMs(20, () => 1)).toBe(30_000);
    expect(backoffMs(20, () => 0)).toBe(15_000);
  });
});

describe("adjustConcurrency", () => {
  const start: ConcurrencyState = { effective: 8, limit: 8, streak: 0, lastOverloadAt: null };

  it("halves on overload, at most once per second, never below 1", () => {
    const a = adjustConcurrency(start, true, 0, 1_000);
    expect(a.effective).toBe(4);
    expect(adjustConcurrency(a, true, 0, 1_500).effective).toBe(4);
    const b = adjustConcurrency(a, true, 0, 2_000);
    expect(b.effective).toBe(2);
    let s = b;
    for (let t = 3_000; t < 10_000; t += 1_000) s = adjustConcurrency(s, true, 0, t);
    expect(s.effective).toBe(1);
  });

  it("adds one back after each healthy stretch of `effective` successes, up to the limit", () => {
    let s: ConcurrencyState = { effective: 2, limit: 4, streak: 0, lastOverloadAt: 0 };
    s = adjustConcurrency(s, false, 1, 10);
    expect(s.effective).toBe(2);
    s = adjustConcurrency(s, false, 1, 20);
    expect(s.effective).toBe(3);
    s = adjustConcurrency(s, false, 100, 30);
    expect(s.effective).toBe(4);
    expect(adjustConcurrency(s, false, 100, 40).effective).toBe(4);
  });
});

describe("minSplitWidth", () => {
  it("stops splitting at a sixteenth of a range, and at one key", () => {
    expect(minSplitWidth(10_000)).toBe(625n);
    expect(minSplitWidth(10)).toBe(1n);
  });
});
