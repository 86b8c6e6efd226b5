/**
 * Uniform planning keeps the coverage invariant: every key in [start, end] in
 * exactly one range, no gap, no overlap, including at the ends of int8.
 */
import { describe, expect, it } from "vitest";
import { INT8_MAX, INT8_MIN } from "../src/planning/keys/integer";
import { planUniform, uniformCount, type IntRange as KeyRange } from "../src/planning/uniform";

function expectCoverage(ranges: KeyRange[], start: bigint, end: bigint, width: bigint) {
  expect(ranges.length).toBeGreaterThan(0);
  expect(ranges[0]?.start).toBe(start);
  expect(ranges.at(-1)?.end).toBe(end);
  ranges.forEach((r, i) => {
    expect(r.start <= r.end).toBe(true);
    expect(r.end - r.start + 1n <= width).toBe(true);
    const next = ranges[i + 1];
    if (next) expect(next.start).toBe(r.end + 1n);
  });
  expect(BigInt(ranges.length)).toBe(uniformCount(start, end, width));
}

describe("planUniform", () => {
  it("cuts a width that does not divide the span, last range shorter", () => {
    const ranges = planUniform(1n, 10n, 4n);
    expect(ranges).toEqual([
      { start: 1n, end: 4n },
      { start: 5n, end: 8n },
      { start: 9n, end: 10n },
    ]);
  });

  it("gives one single-key range when start == end", () => {
    expect(planUniform(7n, 7n, 1000n)).toEqual([{ start: 7n, end: 7n }]);
  });

  it("covers ids above 2^53 exactly", () => {
    const start = 2n ** 53n - 5n;
    const end = 2n ** 53n + 17n;
    const ranges = planUniform(start, end, 3n);
    expectCoverage(ranges, start, end, 3n);
    expect(ranges.some((r) => r.start <= 2n ** 53n + 1n && 2n ** 53n + 1n <= r.end)).toBe(true);
  });

  it("covers negative ids and a span crossing zero", () => {
    const ranges = planUniform(-25n, 13n, 7n);
    expectCoverage(ranges, -25n, 13n, 7n);
  });

  it("reaches the largest bigint without stepping past it", () => {
    const ranges = planUniform(INT8_MAX - 9n, INT8_MAX, 4n);
    expectCoverage(ranges, INT8_MAX - 9n, INT8_MAX, 4n);
    expect(ranges.every((r) => r.end <= INT8_MAX)).toBe(true);
  });

  it("covers the smallest bigint", () => {
    const ranges = planUniform(INT8_MIN, INT8_MIN + 5n, 2n);
    expectCoverage(ranges, INT8_MIN, INT8_MIN + 5n, 2n);
  });

  it("holds coverage over many random spans and widths", () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 300; i++) {
      const start = BigInt(Math.floor(rand() * 2e6) - 1e6) * (i % 3 === 0 ? 2n ** 40n : 1n);
      const end = start + BigInt(Math.floor(rand() * 5000));
      const width = BigInt(1 + Math.floor(rand() * 700));
      expectCoverage(planUniform(start, end, width), start, end, width);
    }
  });

  it("refuses a plan over the cap before allocating it", () => {
    expect(uniformCount(1n, 9_000_000_000_000_000_000n, 1n)).toBe(9_000_000_000_000_000_000n);
    expect(() => planUniform(1n, 9_000_000_000_000_000_000n, 1n)).toThrow(/over the cap/);
  });

  it("plans nothing for an empty span", () => {
    expect(planUniform(5n, 4n, 1n)).toEqual([]);
  });
});
