/**
 * Exact decimal arithmetic: money never goes through a float. The combiners
 * built on it are checked in combiners.unit.test.ts.
 */
import { describe, expect, it } from "vitest";
import { addDecimal, compareDecimal } from "../src/lib/decimal";

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
