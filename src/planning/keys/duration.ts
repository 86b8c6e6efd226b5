/**
 * ISO-8601 durations of a fixed length, in microseconds: the width of a time
 * window (`"width": "PT1H"`) and a scheduled job's window (`scheduleWindow:
 * "P1D"`). Only units that always last the same are taken: weeks, days (24
 * hours: times are UTC, which has no daylight saving), hours, minutes and
 * seconds with up to six decimals. Years and months vary in length, so they
 * are refused rather than guessed.
 */

export const MICROS_PER_SECOND = 1_000_000n;
export const MICROS_PER_DAY = 86_400n * MICROS_PER_SECOND;

const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:[.,](\d{1,6}))?S)?)?$/;

export type ParsedDuration = { ok: true; micros: bigint } | { ok: false; message: string };

/**
 * A fixed-length ISO-8601 duration in microseconds.
 *
 * @example parseDuration("PT1H") // { ok: true, micros: 3600000000n }
 * @example parseDuration("P1M") // { ok: false, message: "… months …" }
 */
export function parseDuration(text: string): ParsedDuration {
  const s = text.trim().toUpperCase();
  const m = DURATION.exec(s);
  if (!m || s === "P" || s.endsWith("T")) {
    if (/^P[^T]*[YM]/.test(s)) {
      return { ok: false, message: `${JSON.stringify(text)} has years or months, which have no fixed length; give it in weeks, days or hours (e.g. "P30D")` };
    }
    return { ok: false, message: `${JSON.stringify(text)} is not an ISO-8601 duration of weeks, days, hours, minutes and seconds (e.g. "PT1H", "P1D", "PT0.5S")` };
  }
  const [, w, d, h, min, sec, frac] = m;
  const n = (v: string | undefined) => BigInt(v ?? "0");
  const micros =
    n(w) * 7n * MICROS_PER_DAY +
    n(d) * MICROS_PER_DAY +
    n(h) * 3600n * MICROS_PER_SECOND +
    n(min) * 60n * MICROS_PER_SECOND +
    n(sec) * MICROS_PER_SECOND +
    BigInt((frac ?? "").padEnd(6, "0"));
  if (micros <= 0n) return { ok: false, message: `${JSON.stringify(text)} is zero; a width must be longer than that` };
  return { ok: true, micros };
}
