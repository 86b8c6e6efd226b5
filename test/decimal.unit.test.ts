/**
 * Exact decimal sums and the ready-made combiners: money never goes through
 * a float, and every combiner is associative and commutative.
 */
import { describe, expect, it } from "vitest";
import { addDecimal, compareDecimal } from "../src/lib/decimal";
import { count, decimalSum, fields, max, min } from "../src/jobs/combiners";

describe("addDecimal", () => {
  it("adds where floats round", () => {
    expect(addDecimal("0.10", "0.20")).toBe("0.30");
  });

  it("keeps the largest scale and handles signs", () => {
    expect(addDecimal("1.5", "2")).toBe("3.5");
    expect(addDecimal("-1.25", "1.20")).toBe("-0.05");
    expect(addDecimal("-0.01", "0.01")).toBe("0.00");
    expect(addDecimal(".5", "-.25")).toBe("0.25");
  });

  it("is exact far beyond 2^53", () => {
    expect(addDecimal("9007199254740993.01", "9007199254740993.02")).toBe("18014398509481986.03");
  });

  it("rejects text that is not a decimal", () => {
    expect(() => addDecimal("1e5")).toThrow(TypeError);
    expect(() => addDecimal("abc")).toThrow(TypeError);
  });

  it("compares decimals of different scales", () => {
    expect(compareDecimal("1.10", "1.1")).toBe(0);
    expect(compareDecimal("-2", "1.5")).toBe(-1);
    expect(compareDecimal("10", "9.99")).toBe(1);
  });
});

describe("combiners", () => {
  const values = ["12.34", "-0.99", "100", "0.01", "7.50", null, "3"] as const;

  it("decimalSum folds in any order to the same exact total", () => {
    const sum = decimalSum("0.00");
    const nums = values.filter((v): v is Exclude<typeof v, null> => v !== null);
    const forward = nums.reduce((a, b) => sum.merge(a, b), sum.initial());
    const backward = [...nums].reverse().reduce((a, b) => sum.merge(a, b), sum.initial());
    const grouped = sum.merge(
      nums.slice(0, 3).reduce((a, b) => sum.merge(a, b), sum.initial()),
      nums.slice(3).reduce((a, b) => sum.merge(a, b), sum.initial()),
    );
    expect(forward).toBe("121.86");
    expect(backward).toBe(forward);
    expect(grouped).toBe(forward);
  });

  it("min and max ignore nulls and compare numerically", () => {
    const lo = min();
    const hi = max();
    expect(values.reduce<string | null>((a, b) => lo.merge(a, b), lo.initial())).toBe("-0.99");
    expect(values.reduce<string | null>((a, b) => hi.merge(a, b), hi.initial())).toBe("100");
    expect(lo.merge(null, null)).toBeNull();
  });

  it("fields merges each field with its own combiner", () => {
    const c = fields<{ rows: number; total: string }>({ rows: count(), total: decimalSum("0.00") });
    expect(c.initial()).toEqual({ rows: 0, total: "0.00" });
    expect(c.merge({ rows: 2, total: "1.10" }, { rows: 3, total: "2.20" })).toEqual({ rows: 5, total: "3.30" });
  });
});
