/**
 * The uuid and time key types' pure parts: parsing bounds to their canonical
 * text, exact time arithmetic across the calendar (days-from-civil, never a
 * JS Date), fixed-length ISO-8601 durations, halving, and the scheduled
 * previous-period window.
 */
import { describe, expect, it } from "vitest";
import { defineJob } from "../src/jobs/define";
import { civilFromDays, daysFromCivil, formatTime, parseTime } from "../src/planning/keys/civil";
import { parseDuration } from "../src/planning/keys/duration";
import { keyTypeOf } from "../src/planning/keys";
import { bigIntToUuid, uuidToBigInt } from "../src/planning/keys/uuid";
import { previousWindow } from "../src/runs/schedule-window";
import { count, fields } from "../src/jobs/combiners";

const tz = keyTypeOf({ keyType: "timestamptz" });
const ts = keyTypeOf({ keyType: "timestamp" });
const date = keyTypeOf({ keyType: "date" });
const uuid = keyTypeOf({ keyType: "uuid" });

describe("time bounds", () => {
  it.each([
    ["2026-11-27T10:00:00Z", "2026-11-27T10:00:00.000000Z"],
    ["2026-11-27T10:00:00+02:00", "2026-11-27T08:00:00.000000Z"],
    ["2026-11-27T01:00:00-0530", "2026-11-27T06:30:00.000000Z"],
    ["2026-11-27T10:00:00.123456", "2026-11-27T10:00:00.123456Z"],
    ["2026-11-27 10:00:00.5", "2026-11-27T10:00:00.500000Z"],
    ["2026-11-27", "2026-11-27T00:00:00.000000Z"],
    ["2024-02-29T23:59:59.999999Z", "2024-02-29T23:59:59.999999Z"],
    ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000Z"],
    ["9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999Z"],
    ["infinity", "infinity"],
    ["-infinity", "-infinity"],
  ])("timestamptz %s -> %s", (given, canonical) => {
    expect(tz.parse(given)).toEqual({ ok: true, key: canonical });
    expect(tz.parse(canonical)).toEqual({ ok: true, key: canonical });
  });

  it("reads a timestamp bound without an offset as UTC, and keeps no Z", () => {
    expect(ts.parse("2026-11-27T10:00:00")).toEqual({ ok: true, key: "2026-11-27T10:00:00.000000" });
    expect(ts.parse("2026-11-27T10:00:00+01:00")).toEqual({ ok: true, key: "2026-11-27T09:00:00.000000" });
  });

  it.each(["2026-13-01", "2026-02-30", "2023-02-29", "2026-11-27T24:00:00", "2026-11-27T10:60", "2026-11-27T10:00:00.1234567", "27/11/2026", "0000-01-01", "0044-03-15 BC", "10000-01-01", "9999-12-31T23:00:00-02:00", "now", ""])(
    "refuses timestamp %j with a message",
    (bad) => {
      const p = tz.parse(bad);
      expect(p.ok).toBe(false);
      if (!p.ok) expect(p.message.length).toBeGreaterThan(10);
    },
  );

  it("a date takes only YYYY-MM-DD or ±infinity", () => {
    expect(date.parse("2026-11-27")).toEqual({ ok: true, key: "2026-11-27" });
    expect(date.parse("-infinity")).toEqual({ ok: true, key: "-infinity" });
    expect(date.parse("2026-11-27T10:00:00")).toMatchObject({ ok: false, message: expect.stringContaining("time of day") as string });
    expect(date.parse("2026-11-27T00:00:00Z").ok).toBe(false);
  });

  it("days-from-civil round-trips every day from year 1 to 9999, and agrees with the calendar", () => {
    const first = daysFromCivil(1, 1, 1);
    const last = daysFromCivil(9999, 12, 31);
    for (let d = first; d <= last; d++) {
      const [y, m, day] = civilFromDays(d);
      if (daysFromCivil(y, m, day) !== d) throw new Error(`day ${d}`);
    }
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(2000, 3, 1) - daysFromCivil(2000, 2, 28)).toBe(2);
    expect(daysFromCivil(1900, 3, 1) - daysFromCivil(1900, 2, 28)).toBe(1);
    expect(last - first + 1).toBe(3_652_059);
  });

  it("keeps microseconds exactly, where a JS Date would drop them", () => {
    const p = parseTime("2026-11-27T10:00:00.000001Z", "timestamptz");
    expect(p.ok && formatTime(p.key, "timestamptz")).toBe("2026-11-27T10:00:00.000001Z");
    expect(new Date("2026-11-27T10:00:00.000001Z").toISOString()).toBe("2026-11-27T10:00:00.000Z");
  });

  it("orders -infinity, finite times, infinity", () => {
    const keys = ["infinity", "2026-11-27T10:00:00.000001Z", "-infinity", "1970-01-01T00:00:00.000000Z", "0001-01-01T00:00:00.000000Z"];
    expect([...keys].sort((a, b) => tz.compare(a, b) ?? 0)).toEqual([
      "-infinity", "0001-01-01T00:00:00.000000Z", "1970-01-01T00:00:00.000000Z", "2026-11-27T10:00:00.000001Z", "infinity",
    ]);
  });
});

describe("durations (window widths)", () => {
  it.each([
    ["PT1H", 3_600_000_000n],
    ["P1D", 86_400_000_000n],
    ["P1W", 604_800_000_000n],
    ["PT15M", 900_000_000n],
    ["PT0.000001S", 1n],
    ["P1DT12H", 129_600_000_000n],
  ])("%s is %d µs", (text, micros) => {
    expect(parseDuration(text)).toEqual({ ok: true, micros });
  });

  it.each(["P1M", "P1Y", "P1Y2M", "PT0S", "P", "PT", "1H", "PT1.5H", "-PT1H"])("refuses %s", (text) => {
    expect(parseDuration(text).ok).toBe(false);
  });

  it("names years and months as the problem", () => {
    expect(tz.checkWidth("P1M")).toContain("months");
    expect(tz.checkWidth(undefined)).toContain("width");
    expect(date.checkWidth("PT12H")).toContain("whole days");
    expect(date.checkWidth("P1W")).toBeNull();
  });
});

describe("halving", () => {
  it("halves a time range at its midpoint, and not a one-value or infinite one", () => {
    expect(tz.halve({ start: "2026-11-27T00:00:00.000000Z", end: "2026-11-28T00:00:00.000000Z", endExclusive: true }, 1)).toEqual([
      { start: "2026-11-27T00:00:00.000000Z", end: "2026-11-27T12:00:00.000000Z", endExclusive: true },
      { start: "2026-11-27T12:00:00.000000Z", end: "2026-11-28T00:00:00.000000Z", endExclusive: true },
    ]);
    expect(tz.halve({ start: "2026-11-27T00:00:00.000000Z", end: "2026-11-27T00:00:00.000001Z", endExclusive: true }, 1)).toBeNull();
    expect(tz.halve({ start: "2026-11-27T00:00:00.000000Z", end: "2026-11-27T00:00:00.000000Z", endExclusive: false }, 1)).toBeNull();
    expect(tz.halve({ start: "2026-11-27T00:00:00.000000Z", end: "2026-11-27T00:00:00.000001Z", endExclusive: false }, 1)).toEqual([
      { start: "2026-11-27T00:00:00.000000Z", end: "2026-11-27T00:00:00.000001Z", endExclusive: true },
      { start: "2026-11-27T00:00:00.000001Z", end: "2026-11-27T00:00:00.000001Z", endExclusive: false },
    ]);
    expect(tz.halve({ start: "-infinity", end: "2026-11-27T00:00:00.000000Z", endExclusive: true }, 1)).toBeNull();
    expect(date.halve({ start: "2026-11-01", end: "2026-11-04", endExclusive: false }, 1)).toEqual([
      { start: "2026-11-01", end: "2026-11-03", endExclusive: true },
      { start: "2026-11-03", end: "2026-11-04", endExclusive: false },
    ]);
    expect(date.halve({ start: "2026-11-01", end: "2026-11-02", endExclusive: true }, 1)).toBeNull();
  });

  it("halves a uuid range by 128-bit arithmetic, exactly covering it", () => {
    const max = "ffffffff-ffff-ffff-ffff-ffffffffffff";
    expect(bigIntToUuid(uuidToBigInt(max))).toBe(max);
    const halves = uuid.halve({ start: "00000000-0000-0000-0000-000000000000", end: max, endExclusive: false }, 1);
    expect(halves).toEqual([
      { start: "00000000-0000-0000-0000-000000000000", end: "80000000-0000-0000-0000-000000000000", endExclusive: true },
      { start: "80000000-0000-0000-0000-000000000000", end: max, endExclusive: false },
    ]);
    const one = "0190c6b2-7d1e-7b3a-9c4f-1a2b3c4d5e6f";
    expect(uuid.halve({ start: one, end: one, endExclusive: false }, 1)).toBeNull();
    expect(uuid.halve({ start: one, end: bigIntToUuid(uuidToBigInt(one) + 1n), endExclusive: true }, 1)).toBeNull();
  });
});

describe("the scheduled previous period", () => {
  it("P1D fired any time on day D is [D-1 00:00, D 00:00) in UTC, end excluded", () => {
    for (const at of ["2026-11-27T00:00:00.000Z", "2026-11-27T00:00:01.000Z", "2026-11-27T23:59:59.999Z"]) {
      expect(previousWindow("timestamptz", "P1D", Date.parse(at))).toEqual({
        start: "2026-11-26T00:00:00.000000Z", end: "2026-11-27T00:00:00.000000Z", endExclusive: true,
      });
    }
    expect(previousWindow("date", "P1D", Date.parse("2026-03-01T00:05:00Z"))).toEqual({ start: "2026-02-28", end: "2026-03-01", endExclusive: true });
    expect(previousWindow("timestamp", "PT1H", Date.parse("2026-11-27T10:30:00Z"))).toEqual({
      start: "2026-11-27T09:00:00.000000", end: "2026-11-27T10:00:00.000000", endExclusive: true,
    });
  });

  it("defineJob refuses a scheduleWindow on a key that is not a time, without a schedule, or of months", () => {
    const job = (keyType: "uuid" | "timestamptz" | "date", scheduleWindow: string, schedule: string | null = "0 1 * * *") => () =>
      defineJob({ name: "t-window", table: "t", key: "k", keyType, schedule: schedule ?? undefined, scheduleWindow, process: async () => ({ rows: 0 }), combine: fields({ rows: count() }) });
    expect(job("uuid", "P1D")).toThrow(/time keys/);
    expect(job("timestamptz", "P1D", null)).toThrow(/needs a schedule/);
    expect(job("timestamptz", "P1M")).toThrow(/months/);
    expect(job("date", "PT1H")).toThrow(/whole days/);
    expect(job("timestamptz", "P1D")).not.toThrow();
  });
});

describe("keys outside years 1 to 9999", () => {
  it("are never halved: the range stays whole instead of a throw inside the Coordinator", () => {
    const keys = keyTypeOf({ keyType: "date" });
    expect(keys.halve({ start: "0044-03-15 BC", end: "2026-01-01", endExclusive: true }, 10)).toBeNull();
    expect(keys.halve({ start: "2026-01-01", end: "2026-01-09", endExclusive: true }, 10)).not.toBeNull();
  });
});
