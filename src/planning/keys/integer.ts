/**
 * Integer keys (`smallint`, `integer`, `bigint`): `bigint` in code, decimal
 * strings in JSON, never a JS `number`, because ids above 2^53 exist.
 * Ranges are inclusive, split at a midpoint, and cut uniformly by key width
 * or balanced by rows (uniform.ts, balanced.ts).
 */
import type { Identifier, Sql } from "../../db/sql";
import { planBalanced } from "../balanced";
import { MAX_RANGES, TooManyRanges, uniformCount, uniformRanges } from "../uniform";
import { summarize, type KeyRange, type KeyType } from "./key-type";

export const INT8_MIN = -(2n ** 63n);
export const INT8_MAX = 2n ** 63n - 1n;

/** The integer column types, and the keys each can hold. */
const DOMAINS: Record<string, { start: bigint; end: bigint }> = {
  smallint: { start: -(2n ** 15n), end: 2n ** 15n - 1n },
  integer: { start: -(2n ** 31n), end: 2n ** 31n - 1n },
  bigint: { start: INT8_MIN, end: INT8_MAX },
};

const INTEGER = /^[+-]?\d+$/;

/** Smallest width a range is split down to: a sixteenth of a range, at least one key. */
export function minSplitWidth(rowsPerRange: number): bigint {
  return BigInt(Math.max(1, Math.ceil(rowsPerRange / 16)));
}

/**
 * Parses a key given as a decimal string or a safe JSON integer; a message instead of a throw, for clear 400s.
 *
 * @example parseInteger("9223372036854775807") // { ok: true, key: 9223372036854775807n }
 */
export function parseInteger(value: unknown): { ok: true; key: bigint } | { ok: false; message: string } {
  let key: bigint;
  if (typeof value === "string" && INTEGER.test(value.trim())) {
    key = BigInt(value.trim());
  } else if (typeof value === "number" && Number.isInteger(value)) {
    if (!Number.isSafeInteger(value)) {
      return { ok: false, message: "is beyond 2^53 as a JSON number and may have lost precision; pass it as a decimal string" };
    }
    key = BigInt(value);
  } else {
    return { ok: false, message: "must be an integer, as a decimal string or a JSON integer" };
  }
  if (key < INT8_MIN || key > INT8_MAX) return { ok: false, message: "is out of the bigint range" };
  return { ok: true, key };
}

/** An integer range in text form, as bigints (integer ranges are inclusive). */
function ints(range: KeyRange): { start: bigint; end: bigint } {
  return { start: BigInt(range.start), end: BigInt(range.end) - (range.endExclusive ? 1n : 0n) };
}

const text = (r: { start: bigint; end: bigint }): KeyRange => ({ start: r.start.toString(), end: r.end.toString(), endExclusive: false });

export const integerKey: KeyType = {
  name: "integer",
  columnTypes: Object.keys(DOMAINS),
  splits: ["balanced", "uniform"],
  parse(value) {
    const parsed = parseInteger(value);
    return parsed.ok ? { ok: true, key: parsed.key.toString() } : parsed;
  },
  compare(a, b) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  },
  domain(pgType) {
    const d = DOMAINS[pgType];
    return d ? { start: d.start.toString(), end: d.end.toString() } : null;
  },
  checkWidth: (width) => (width === undefined ? null : "width is for time keys; an integer key's uniform width is rowsPerRange keys"),

  async bounds(sql: Sql, table: Identifier, key: Identifier) {
    const [row] = await sql<{ lo: string | null; hi: string | null }>`
      SELECT min(${key})::text AS lo, max(${key})::text AS hi FROM ${table}`;
    if (!row?.lo || !row.hi) return null;
    return { start: row.lo, end: row.hi };
  },

  async split({ sql, table, key, window, rowsPerRange, how, more }) {
    const { start, end } = ints(window);
    if (how === "balanced") {
      const balanced = await planBalanced(sql, table, key, start, end, rowsPerRange, more);
      return { count: balanced.ranges.length, ranges: balanced.ranges.map(text), estimate: summarize(balanced.estimates) };
    }
    const width = BigInt(rowsPerRange);
    const n = uniformCount(start, end, width);
    if (n > BigInt(MAX_RANGES)) {
      throw new TooManyRanges(`a uniform split of [${start}, ${end}] by ${rowsPerRange} keys makes ${n} ranges, over the cap of ${MAX_RANGES}`);
    }
    // Every range is `width` keys but the last, which holds what is left.
    const last = Number((end - start) % width) + 1;
    const full = Number(width);
    const estimate = n === 1n ? { min: last, median: last, max: last } : { min: Math.min(last, full), median: full, max: full };
    return { count: Number(n), ranges: mapped(uniformRanges(start, end, width), text), estimate };
  },

  halve(range, rowsPerRange) {
    const { start, end } = ints(range);
    if (end - start + 1n < 2n * minSplitWidth(rowsPerRange)) return null;
    const mid = start + (end - start) / 2n;
    return [text({ start, end: mid }), text({ start: mid + 1n, end })];
  },

  forJob: (key) => BigInt(key),

  incremental: {
    defaultMargin: 10_000,
    checkMargin: (margin) =>
      typeof margin === "number" && Number.isSafeInteger(margin) && margin >= 1 ? null : "an integer key's margin is a number of keys, at least 1",
    canFollow: () => true,
    rescanFrom(end, margin) {
      const from = BigInt(end) - BigInt(margin) + 1n;
      return (from < INT8_MIN ? INT8_MIN : from).toString();
    },
  },
};

function* mapped<T, U>(items: Iterable<T>, fn: (item: T) => U): Generator<U> {
  for (const item of items) yield fn(item);
}
