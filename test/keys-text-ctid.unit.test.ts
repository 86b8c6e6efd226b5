/**
 * The text and ctid key types' pure parts: parsing bounds, ordering and
 * halving row positions, halving text at a cut Postgres gave, the server
 * version ctid needs, and the job definitions `defineJob` refuses.
 */
import { describe, expect, it } from "vitest";
import { fields, count } from "../src/jobs/combiners";
import { defineJob } from "../src/jobs/define";
import { ctidKey, ctidUnsupported, parseTid } from "../src/planning/keys/ctid";
import { textKey } from "../src/planning/keys/text";

describe("ctid keys", () => {
  it.each([
    ["(0,0)", "(0,0)"],
    [" ( 12 , 3 ) ", "(12,3)"],
    ["(007,1)", "(7,1)"],
    ["(4294967295,65535)", "(4294967295,65535)"],
  ])("parses %j as %j", (given, canonical) => {
    expect(ctidKey.parse(given)).toEqual({ ok: true, key: canonical });
  });

  it.each(["(1,x)", "5", "(1,2,3)", "(-1,0)", "(1,65536)", "(4294967296,0)", "", 5, null])("refuses %j", (given) => {
    expect(ctidKey.parse(given)).toMatchObject({ ok: false });
  });

  it("orders by page, then by item (not as text: \"(10,0)\" < \"(9,0)\" as strings)", () => {
    expect(ctidKey.compare("(9,0)", "(10,0)")).toBe(-1);
    expect(ctidKey.compare("(3,7)", "(3,12)")).toBe(-1);
    expect(ctidKey.compare("(3,12)", "(3,12)")).toBe(0);
    expect(ctidKey.compare("(4,0)", "(3,65535)")).toBe(1);
    expect(parseTid("(2,5)")).toEqual({ page: 2, item: 5 });
  });

  it("halves a page range at its middle page, and the halves cover it exactly", () => {
    expect(ctidKey.halve({ start: "(10,0)", end: "(20,0)", endExclusive: true }, 100)).toEqual([
      { start: "(10,0)", end: "(15,0)", endExclusive: true },
      { start: "(15,0)", end: "(20,0)", endExclusive: true },
    ]);
    // The window's last range runs to the end of its last page, inclusive.
    expect(ctidKey.halve({ start: "(10,0)", end: "(11,65535)", endExclusive: false }, 100)).toEqual([
      { start: "(10,0)", end: "(11,0)", endExclusive: true },
      { start: "(11,0)", end: "(11,65535)", endExclusive: false },
    ]);
  });

  it("does not halve one page", () => {
    expect(ctidKey.halve({ start: "(10,0)", end: "(11,0)", endExclusive: true }, 100)).toBeNull();
    expect(ctidKey.halve({ start: "(10,0)", end: "(10,65535)", endExclusive: false }, 100)).toBeNull();
    expect(ctidKey.halve({ start: "(10,4)", end: "(10,9)", endExclusive: false }, 100)).toBeNull();
  });

  it("refuses servers before PostgreSQL 14, which have no TID Range Scan", () => {
    expect(ctidUnsupported(130011, "13.11")).toMatch(/PostgreSQL 14 or later.*13\.11/);
    expect(ctidUnsupported(140000, "14.0")).toBeNull();
    expect(ctidUnsupported(170010, "17.10")).toBeNull();
  });

  it("gives jobs the position as text", () => {
    expect(ctidKey.forJob("(3,1)")).toBe("(3,1)");
  });
});

describe("text keys", () => {
  it("takes any string without NUL, the empty string and spaces included, as it is", () => {
    for (const s of ["", " ", "a ", "Straße", "日本", "😀", "x".repeat(4096)]) expect(textKey.parse(s)).toEqual({ ok: true, key: s });
  });

  it.each([["a\u0000b"], ["x".repeat(4097)], [42], [null], ["a\ud800"], ["\udc00b"]])("refuses %j", (given) => {
    expect(textKey.parse(given)).toMatchObject({ ok: false });
  });

  it("leaves the order to Postgres", () => {
    expect(textKey.compare("B", "a")).toBeNull();
  });

  it("halves only at a cut Postgres gave, strictly inside the range", () => {
    expect(textKey.halve({ start: "a", end: "z", endExclusive: false }, 100)).toBeNull();
    expect(textKey.halve({ start: "a", end: "z", endExclusive: false }, 100, "a")).toBeNull();
    expect(textKey.halve({ start: "a", end: "z", endExclusive: true }, 100, "z")).toBeNull();
    expect(textKey.halve({ start: "a", end: "z", endExclusive: false }, 100, "m")).toEqual([
      { start: "a", end: "m", endExclusive: true },
      { start: "m", end: "z", endExclusive: false },
    ]);
  });
});

describe("job definitions", () => {
  const process = async () => ({ rows: 0 });
  const combine = fields({ rows: count() });

  it("refuses ctid for a job that writes: an UPDATE moves a row to a new ctid", () => {
    for (const writes of ["exactly-once", "at-least-once"] as const) {
      expect(() => defineJob({ name: "w", table: "t", key: "ctid", keyType: "ctid", writes, process, combine })).toThrow(/cannot split on ctid/);
    }
    expect(defineJob({ name: "r", table: "t", key: "ctid", keyType: "ctid", process, combine }).keyType).toBe("ctid");
  });

  it("refuses a ctid job whose key is a column, and a uniform split of text", () => {
    expect(() => defineJob({ name: "c", table: "t", key: "id", keyType: "ctid", process, combine })).toThrow(/must be "ctid"/);
    expect(() => defineJob({ name: "u", table: "t", key: "k", keyType: "text", split: "uniform", process, combine })).toThrow(/balanced/);
  });
});
