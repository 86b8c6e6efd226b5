/**
 * UUID keys. A uuid is a 128-bit number: Postgres orders uuids bytewise,
 * which is the order of their lower-case hex text, so the planner may compare
 * and halve them in JS (bigint arithmetic) and they travel in their
 * canonical text form.
 *
 * - Uniform: ⌈estimated rows / rowsPerRange⌉ equal slices of the window's
 *   128-bit span, which suits random (v4) keys.
 * - Balanced: cut by Postgres along the index (ordered.ts), which follows
 *   the real distribution: time-ordered (v7) keys, clustered prefixes.
 */
import type { Identifier, Sql } from "../../db/sql";
import { castText, planOrdered } from "../ordered";
import { MAX_RANGES, TooManyRanges } from "../uniform";
import type { KeyRange, KeyType, PlannedRange } from "./key-type";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A uuid in canonical text as its 128-bit number. */
export function uuidToBigInt(text: string): bigint {
  return BigInt(`0x${text.replace(/-/g, "")}`);
}

/** A 128-bit number as a uuid in canonical text. */
export function bigIntToUuid(n: bigint): string {
  const hex = n.toString(16).padStart(32, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Rows in the table as the statistics have them, or counted in the window when it was never analysed. */
async function estimateRows(sql: Sql, table: Identifier, key: Identifier, window: KeyRange): Promise<number> {
  const [stats] = await sql<{ n: string | null }>`SELECT reltuples::bigint::text AS n FROM pg_class WHERE oid = to_regclass(${table.quoted})`;
  const n = Number(stats?.n ?? -1);
  if (n > 0) return n;
  const end = window.endExclusive ? "<" : "<=";
  const [row] = await sql.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM ${table.quoted} WHERE ${key.quoted} >= $1 AND ${key.quoted} ${end} $2`,
    [window.start, window.end],
  );
  return Number(row?.n ?? 0);
}

function* slices(window: KeyRange, lo: bigint, span: bigint, n: bigint, estimate: number): Generator<PlannedRange> {
  let start = window.start;
  for (let i = 1n; i < n; i++) {
    const cut = bigIntToUuid(lo + (span * i) / n);
    yield { start, end: cut, endExclusive: true, estimate };
    start = cut;
  }
  yield { start, end: window.end, endExclusive: window.endExclusive, estimate };
}

export const uuidKey: KeyType = {
  name: "uuid",
  columnTypes: ["uuid"],
  splits: ["balanced", "uniform"],
  parse(value) {
    if (typeof value !== "string" || !UUID.test(value)) {
      return { ok: false, message: `must be a uuid in canonical lower-case form, 8-4-4-4-12 hex digits (e.g. "0190c6b2-7d1e-7b3a-9c4f-1a2b3c4d5e6f"), got ${JSON.stringify(value)}` };
    }
    return { ok: true, key: value };
  },
  compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  domain: () => null,
  checkWidth: (width) => (width === undefined ? null : "width is for time keys; a uuid key's uniform split is ⌈rows / rowsPerRange⌉ equal slices"),

  async bounds(sql: Sql, table: Identifier, key: Identifier) {
    const [row] = await sql<{ lo: string | null; hi: string | null }>`
      SELECT (SELECT ${key}::text FROM ${table} WHERE ${key} IS NOT NULL ORDER BY ${key} LIMIT 1) AS lo,
             (SELECT ${key}::text FROM ${table} WHERE ${key} IS NOT NULL ORDER BY ${key} DESC LIMIT 1) AS hi`;
    if (!row?.lo || !row.hi) return null;
    return { start: row.lo, end: row.hi };
  },

  async split(req) {
    if (req.how === "balanced") return planOrdered(req, castText);
    const { window } = req;
    const lo = uuidToBigInt(window.start);
    const span = uuidToBigInt(window.end) - lo + (window.endExclusive ? 0n : 1n);
    const rows = await estimateRows(req.sql, req.table, req.key, window);
    const wanted = BigInt(Math.max(1, Math.ceil(rows / Math.max(1, req.rowsPerRange))));
    // Never more slices than keys: every cut must be a key strictly inside the window.
    const n = wanted < span ? wanted : span;
    if (n > BigInt(MAX_RANGES)) throw new TooManyRanges(`a uniform split of ${rows} rows by ${req.rowsPerRange} makes ${n} ranges, over the cap of ${MAX_RANGES}`);
    const estimate = Math.round(rows / Number(n));
    return { count: Number(n), ranges: slices(window, lo, span, n, estimate), estimate: { min: estimate, median: estimate, max: estimate } };
  },

  halve(range) {
    const a = uuidToBigInt(range.start);
    const lastIn = uuidToBigInt(range.end) - (range.endExclusive ? 1n : 0n);
    if (lastIn <= a) return null;
    const mid = bigIntToUuid(a + (lastIn - a + 1n) / 2n);
    return [
      { start: range.start, end: mid, endExclusive: true },
      { start: mid, end: range.end, endExclusive: range.endExclusive },
    ];
  },

  forJob: (key) => key,
};
