/**
 * Time keys as exact numbers: microseconds since 1970-01-01 00:00 UTC, as a
 * bigint, with the calendar done by days-from-civil arithmetic (proleptic
 * Gregorian, as Postgres). Never a JS `Date`: it keeps milliseconds only, and
 * its parser reads an ISO string without an offset as local time.
 *
 * The text forms are the lossless, canonical ones the key types use
 * everywhere outside the job (docs/keys.md), with all six microsecond digits:
 * timestamptz `2026-11-27T10:00:00.000000Z`, timestamp
 * `2026-11-27T10:00:00.000000`, date `2026-11-27`, and `infinity` /
 * `-infinity`. Years 1 to 9999 are supported; BC dates and later years are
 * refused with a message that says so.
 */
import { MICROS_PER_DAY, MICROS_PER_SECOND } from "./duration";

export type TimeKind = "timestamptz" | "timestamp" | "date";

/** A time key: microseconds since the epoch, or one of Postgres' infinities. */
export type TimeKey = bigint | "infinity" | "-infinity";

/** Days from 1970-01-01 to y-m-d (Howard Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The calendar date `days` after 1970-01-01 (civil_from_days). */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/** The first microsecond of year 1 and the last of year 9999: the keys this module handles. */
export const MIN_MICROS = BigInt(daysFromCivil(1, 1, 1)) * MICROS_PER_DAY;
export const MAX_MICROS = BigInt(daysFromCivil(10000, 1, 1)) * MICROS_PER_DAY - 1n;

/** `a` divided by `b` rounded down (bigint division rounds toward zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return q * b > a ? q - 1n : q;
}

const STAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

export type ParsedTime = { ok: true; key: TimeKey } | { ok: false; message: string };

const refuse = (message: string): ParsedTime => ({ ok: false, message });

/**
 * Reads a bound given in a run body. Timestamps take `YYYY-MM-DD`, then
 * optionally `T` (or a space) and `HH:MM[:SS[.ffffff]]`, then optionally `Z`
 * or an offset; without an offset the time is read as UTC, for both
 * timestamp types. A date takes only `YYYY-MM-DD`. Both take `infinity` and
 * `-infinity`.
 *
 * @example parseTime("2026-11-27T10:00:00+02:00", "timestamptz") // { ok: true, key: 1795766400000000n }
 */
export function parseTime(value: unknown, kind: TimeKind): ParsedTime {
  const what = kind === "date" ? "a date, YYYY-MM-DD" : "an ISO-8601 timestamp such as 2026-11-27T10:00:00Z";
  if (typeof value !== "string") return refuse(`must be ${what}, as a string`);
  const s = value.trim();
  if (s === "infinity" || s === "+infinity") return { ok: true, key: "infinity" };
  if (s === "-infinity") return { ok: true, key: "-infinity" };
  if (/^\d{5,}-/.test(s) || /^[+-]\d+-/.test(s) || /\bBC$/i.test(s)) {
    return refuse(`${JSON.stringify(s)} is outside the years 1 to 9999, which are the ${kind} keys rangemap takes`);
  }
  const m = STAMP.exec(s);
  if (!m) return refuse(`${JSON.stringify(s)} is not ${what}`);
  const [, ys, mos, ds, hs, mins, secs, frac, offset] = m;
  if (kind === "date" && hs !== undefined) return refuse(`${JSON.stringify(s)} has a time of day; a date key takes YYYY-MM-DD`);
  if (frac !== undefined && frac.length > 6) return refuse(`${JSON.stringify(s)} has more than 6 decimals of a second; Postgres keeps microseconds`);
  const [y, mo, d] = [Number(ys), Number(mos), Number(ds)];
  if (y < 1) return refuse(`${JSON.stringify(s)} is outside the years 1 to 9999, which are the ${kind} keys rangemap takes`);
  if (mo < 1 || mo > 12) return refuse(`${JSON.stringify(s)} has no month ${mo}`);
  const monthDays = mo === 2 && leap(y) ? 29 : (DAYS_IN_MONTH[mo - 1] ?? 0);
  if (d < 1 || d > monthDays) return refuse(`${JSON.stringify(s)} is not a day of the calendar: ${ys}-${mos} has ${monthDays} days`);
  const [h, mi, se] = [Number(hs ?? 0), Number(mins ?? 0), Number(secs ?? 0)];
  if (h > 23 || mi > 59 || se > 59) return refuse(`${JSON.stringify(s)} is not a time of day (00:00:00 to 23:59:59.999999)`);
  let micros =
    BigInt(daysFromCivil(y, mo, d)) * MICROS_PER_DAY +
    BigInt(h * 3600 + mi * 60 + se) * MICROS_PER_SECOND +
    BigInt((frac ?? "").padEnd(6, "0"));
  if (offset !== undefined && offset.toUpperCase() !== "Z") {
    const digits = offset.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || "0");
    if (oh > 15 || om > 59) return refuse(`${JSON.stringify(s)} has an offset beyond ±15:59`);
    const shift = BigInt(oh * 3600 + om * 60) * MICROS_PER_SECOND;
    micros += offset.startsWith("+") ? -shift : shift;
  }
  if (micros < MIN_MICROS || micros > MAX_MICROS) {
    return refuse(`${JSON.stringify(s)} is outside the years 1 to 9999 in UTC, which are the ${kind} keys rangemap takes`);
  }
  return { ok: true, key: micros };
}

const pad = (n: number | bigint, width: number) => n.toString().padStart(width, "0");

/**
 * The canonical text form of a time key (a date key's microseconds are whole days).
 *
 * @example formatTime(0n, "timestamptz") // "1970-01-01T00:00:00.000000Z"
 */
export function formatTime(key: TimeKey, kind: TimeKind): string {
  if (typeof key === "string") return key;
  const days = floorDiv(key, MICROS_PER_DAY);
  const [y, m, d] = civilFromDays(Number(days));
  const date = `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
  if (kind === "date") return date;
  const inDay = key - days * MICROS_PER_DAY;
  const secs = Number(inDay / MICROS_PER_SECOND);
  const time = `${pad(Math.floor(secs / 3600), 2)}:${pad(Math.floor(secs / 60) % 60, 2)}:${pad(secs % 60, 2)}.${pad(inDay % MICROS_PER_SECOND, 6)}`;
  return `${date}T${time}${kind === "timestamptz" ? "Z" : ""}`;
}

/** A key in canonical text form (as `formatTime` writes it) as a number, for arithmetic. */
export function timeKeyOf(text: string, kind: TimeKind): TimeKey {
  const parsed = parseTime(text, kind);
  if (!parsed.ok) throw new TypeError(`not a ${kind} key: ${parsed.message}`);
  return parsed.key;
}

/** Orders two time keys: -infinity, then every finite time, then infinity. */
export function compareTime(a: TimeKey, b: TimeKey): number {
  const rank = (k: TimeKey) => (k === "-infinity" ? 0 : k === "infinity" ? 2 : 1);
  const byRank = rank(a) - rank(b);
  if (byRank !== 0 || typeof a === "string" || typeof b === "string") return Math.sign(byRank);
  return a < b ? -1 : a > b ? 1 : 0;
}
