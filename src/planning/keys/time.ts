/**
 * Time keys: `timestamptz`, `timestamp` and `date`. Keys travel in their
 * canonical ISO text (civil.ts); the arithmetic is exact, on bigint
 * microseconds (a date is the microsecond its day starts at).
 *
 * - Balanced: cut by Postgres between distinct values (ordered.ts), so rows
 *   sharing a timestamp are never split across ranges.
 * - Uniform: time windows of a fixed `width` (time-windows.ts).
 * - Halving after a timeout: the arithmetic midpoint.
 *
 * A bound without an offset is read as UTC for both timestamp types, and
 * sessions run in UTC (src/db/session.ts), so a `timestamp` column is read as
 * UTC wall-clock time throughout.
 */
import { Fragment, type Identifier, type Sql } from "../../db/sql";
import { DomainError } from "../../lib/domain-error";
import { planOrdered, type TextOf } from "../ordered";
import { compareTime, formatTime, MIN_MICROS, parseTime, timeKeyOf, type TimeKind } from "./civil";
import { MICROS_PER_DAY, parseDuration } from "./duration";
import type { KeyRange, KeyType } from "./key-type";
import { planWindows } from "./time-windows";

/**
 * SQL for a key's canonical text, whatever the session's TimeZone and
 * DateStyle (`::text` follows DateStyle; `to_char` does not). A BC value gets
 * a trailing " BC", which the parser refuses with a clear message.
 */
export function timeTextOf(kind: TimeKind): TextOf {
  const pattern = kind === "date" ? "YYYY-MM-DD" : 'YYYY-MM-DD"T"HH24:MI:SS.US' + (kind === "timestamptz" ? '"Z"' : "");
  return (k: Identifier): Fragment => {
    const utc = kind === "timestamptz" ? new Fragment(["(", " AT TIME ZONE 'UTC')"], [k]) : k;
    return new Fragment(
      ["(CASE WHEN NOT isfinite(", ") THEN ", `::text ELSE to_char(`, `, '${pattern}') || CASE WHEN extract(year FROM `, ") < 1 THEN ' BC' ELSE '' END END)"],
      [k, k, utc, k],
    );
  };
}

/** The smallest step between two keys: a microsecond, or a day for dates. */
const unitOf = (kind: TimeKind) => (kind === "date" ? MICROS_PER_DAY : 1n);

/** A uniform split's width in microseconds; a message when the type does not take it. */
export function widthOf(width: string | undefined, kind: TimeKind): { ok: true; micros: bigint } | { ok: false; message: string } {
  if (width === undefined) {
    return { ok: false, message: `a uniform split of a ${kind} key is in time windows: give width as an ISO-8601 duration, e.g. "${kind === "date" ? "P1D" : "PT1H"}"` };
  }
  const d = parseDuration(width);
  if (!d.ok) return d;
  if (d.micros % unitOf(kind) !== 0n) return { ok: false, message: `a date key's width is whole days or weeks ("P1D", "P1W"), not ${JSON.stringify(width)}` };
  return d;
}

function timeKey(kind: TimeKind): KeyType {
  const textOf = timeTextOf(kind);
  const unit = unitOf(kind);
  const text = (k: bigint) => formatTime(k, kind);
  return {
    name: kind,
    columnTypes: [kind === "timestamptz" ? "timestamp with time zone" : kind === "timestamp" ? "timestamp without time zone" : "date"],
    splits: ["balanced", "uniform"],
    parse(value) {
      const parsed = parseTime(value, kind);
      return parsed.ok ? { ok: true, key: formatTime(parsed.key, kind) } : parsed;
    },
    compare: (a, b) => compareTime(timeKeyOf(a, kind), timeKeyOf(b, kind)),
    domain: () => null,
    checkWidth(width) {
      const w = widthOf(width, kind);
      return w.ok ? null : w.message;
    },

    async bounds(sql: Sql, table: Identifier, key: Identifier) {
      const [row] = await sql<{ lo: string | null; hi: string | null }>`
        SELECT (SELECT ${textOf(key)} FROM ${table} WHERE ${key} IS NOT NULL ORDER BY ${key} LIMIT 1) AS lo,
               (SELECT ${textOf(key)} FROM ${table} WHERE ${key} IS NOT NULL ORDER BY ${key} DESC LIMIT 1) AS hi`;
      if (!row?.lo || !row.hi) return null;
      for (const [name, value] of [["smallest", row.lo], ["largest", row.hi]] as const) {
        const parsed = parseTime(value, kind);
        if (!parsed.ok) throw new DomainError("invalid_bounds", `the ${name} ${key.name} in ${table.name}: ${parsed.message}; give start and end`);
      }
      return { start: row.lo, end: row.hi };
    },

    async split(req) {
      if (req.how === "balanced") return planOrdered(req, textOf);
      const w = widthOf(req.width, kind);
      if (!w.ok) throw new DomainError("invalid_bounds", w.message);
      return planWindows(req, kind, w.micros, textOf);
    },

    halve(range: KeyRange) {
      // A key outside years 1 to 9999 (a BC date in the table) has no arithmetic here: the range stays whole.
      let a: ReturnType<typeof timeKeyOf>;
      let b: ReturnType<typeof timeKeyOf>;
      try {
        a = timeKeyOf(range.start, kind);
        b = timeKeyOf(range.end, kind);
      } catch {
        return null;
      }
      if (typeof a !== "bigint" || typeof b !== "bigint") return null;
      // In units (days for a date): [A, B) needs two values to cut, [A, B] one more than A.
      const [A, B] = [a / unit, b / unit];
      const lastIn = range.endExclusive ? B - 1n : B;
      if (lastIn <= A) return null;
      const mid = (A + (lastIn - A + 1n) / 2n) * unit;
      return [
        { start: range.start, end: text(mid), endExclusive: true },
        { start: text(mid), end: range.end, endExclusive: range.endExclusive },
      ];
    },

    forJob: (key) => key,

    incremental: {
      // Time keys are often `DEFAULT now()`: the margin must outlast the longest inserting transaction (docs/incremental.md).
      defaultMargin: kind === "date" ? "P2D" : "PT1H",
      checkMargin(margin) {
        if (typeof margin !== "string") return `a ${kind} key's margin is an ISO-8601 duration, e.g. "${kind === "date" ? "P2D" : "PT1H"}"`;
        const w = widthOf(margin, kind);
        return w.ok ? null : w.message;
      },
      canFollow: (end) => typeof timeKeyOf(end, kind) === "bigint",
      // The margin is the duration below E, E's own unit included: "P1D" on a date key re-scans E and the day before.
      rescanFrom(end, margin) {
        const e = timeKeyOf(end, kind);
        const m = typeof margin === "string" ? parseDuration(margin) : null;
        if (typeof e !== "bigint" || !m?.ok) return end;
        const from = e - m.micros;
        return text(from < MIN_MICROS ? MIN_MICROS : from);
      },
    },
  };
}

export const timestamptzKey = timeKey("timestamptz");
export const timestampKey = timeKey("timestamp");
export const dateKey = timeKey("date");
