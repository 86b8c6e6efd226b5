/**
 * The SQL tag: values always become parameters, identifiers are validated
 * and quoted, bigints travel as exact decimal strings.
 */
import { describe, expect, it } from "vitest";
import { buildQuery, fragment, Identifier, isIdentifier } from "../src/db/sql";

describe("buildQuery", () => {
  it("turns values into numbered parameters", () => {
    const name = "x'; DROP TABLE orders; --";
    const q = buildQuery(["SELECT * FROM t WHERE a = ", " AND b = ", ""], [name, 5]);
    expect(q.text).toBe("SELECT * FROM t WHERE a = $1 AND b = $2");
    expect(q.values).toEqual([name, 5]);
  });

  it("sends bigints as decimal strings", () => {
    const q = buildQuery(["BETWEEN ", " AND ", ""], [-(2n ** 63n), 2n ** 63n - 1n]);
    expect(q.values).toEqual(["-9223372036854775808", "9223372036854775807"]);
  });

  it("splices identifiers quoted, not as parameters", () => {
    const q = buildQuery(["SELECT ", " FROM ", ""], [new Identifier("id"), new Identifier("public.orders", true)]);
    expect(q.text).toBe('SELECT "id" FROM "public"."orders"');
    expect(q.values).toEqual([]);
  });

  it("splices fragments with their values renumbered in the outer query", () => {
    const inRange = fragment`${new Identifier("id")} BETWEEN ${5n} AND ${2n ** 63n - 1n}`;
    const q = buildQuery(["SELECT ", " FROM t WHERE a = ", " AND ", " AND b = ", ""], [1, "x", inRange, fragment`${"y"}`]);
    expect(q.text).toBe('SELECT $1 FROM t WHERE a = $2 AND "id" BETWEEN $3 AND $4 AND b = $5');
    expect(q.values).toEqual([1, "x", "5", "9223372036854775807", "y"]);
  });
});

describe("identifiers", () => {
  it("accepts plain and qualified names", () => {
    expect(isIdentifier("orders")).toBe(true);
    expect(isIdentifier("public.orders", true)).toBe(true);
    expect(isIdentifier("_x9")).toBe(true);
  });

  it("rejects anything that could escape quoting", () => {
    for (const bad of ['a"b', "a b", "1abc", "", "a;b", "public.orders", "x".repeat(64)]) {
      expect(isIdentifier(bad)).toBe(false);
    }
    expect(isIdentifier("a.b.c", true)).toBe(false);
    expect(() => new Identifier('evil"; DROP')).toThrow(TypeError);
  });
});
