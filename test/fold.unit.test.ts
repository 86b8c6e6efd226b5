/**
 * The pure parts of what a failure does: the retry backoff, the split
 * width, and additive-increase/multiplicative-decrease concurrency. What each
 * code means is tested once, in error-policy.unit.test.ts.
 */
import { describe, expect, it } from "vitest";
import { backoffMs } from "../src/coordinator/failures";
import { adjustConcurrency, type ConcurrencyState } from "../src/coordinator/governor";
import { integerKey, minSplitWidth } from "../src/planning/keys/integer";

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

describe("integer halve", () => {
  it("cuts a range into two halves that tile it, at the ends of int8 too", () => {
    const max = 2n ** 63n - 1n;
    for (const [start, end] of [[1n, 10n], [-5n, 4n], [max - 2_000n, max], [-(2n ** 63n), -(2n ** 63n) + 3_000n]] as const) {
      const halves = integerKey.halve({ start: String(start), end: String(end), endExclusive: false }, 16);
      expect(halves).not.toBeNull();
      const [a, b] = halves ?? [];
      expect(a?.start).toBe(String(start));
      expect(b?.end).toBe(String(end));
      expect(BigInt(b?.start ?? "0")).toBe(BigInt(a?.end ?? "0") + 1n);
    }
  });
  it("refuses a range narrower than two minimum widths", () => {
    expect(integerKey.halve({ start: "1", end: "1249", endExclusive: false }, 10_000)).toBeNull();
    expect(integerKey.halve({ start: "1", end: "1250", endExclusive: false }, 10_000)).not.toBeNull();
  });
});
