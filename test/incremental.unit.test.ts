/**
 * The pieces of incremental runs that need no database: the margin each key
 * type re-scans below a watermark, the watermarks a run may not build on, and
 * the job version that decides whether it may build at all.
 */
import { describe, expect, it } from "vitest";
import { count, fields, max, min } from "../src/jobs/combiners";
import { defineJob } from "../src/jobs/define";
import { usableBase } from "../src/incremental/job-state";
import { jobVersion } from "../src/incremental/version";
import { keyTypeOf } from "../src/planning/keys";

const table = { oid: "db/1/2", filenode: "3" };

function job(name: string, keyType: "integer" | "date" | "timestamptz", combine = fields({ rows: count() })) {
  return defineJob({
    name,
    table: "t",
    key: "k",
    keyType,
    incremental: true,
    process: async () => ({ rows: 0 }),
    combine,
  });
}

describe("the margin below a watermark", () => {
  it("is `margin` keys for integers and the margin's duration below E for time keys, E's own unit included", () => {
    expect(keyTypeOf({ keyType: "integer" }).incremental?.rescanFrom("1000", 10)).toBe("991");
    expect(keyTypeOf({ keyType: "date" }).incremental?.rescanFrom("2026-11-28", "P1D")).toBe("2026-11-27");
    expect(keyTypeOf({ keyType: "timestamptz" }).incremental?.rescanFrom("2026-11-28T10:00:00.000000Z", "PT1H")).toBe("2026-11-28T09:00:00.000000Z");
  });
});

describe("watermarks a run does not build on", () => {
  const w = { end: "2026-11-28T10:00:00.000000Z", from: "2026-11-28T09:00:00.000000Z", xmin: "1000" };
  it("builds on a finite watermark whose snapshot is recent", () => {
    expect(usableBase(job("t-time", "timestamptz"), w, "5000")).toEqual(w);
  });
  it("not on an end of infinity: no key can follow it, so new keys would never be planned", () => {
    expect(usableBase(job("t-time", "timestamptz"), { ...w, end: "infinity" }, "5000")).toBeNull();
  });
  it("not on a snapshot 2^31 transactions behind, where a row's 32-bit xmin can no longer be placed", () => {
    expect(usableBase(job("t-time", "timestamptz"), w, String(1000n + 2n ** 31n))).toBeNull();
    expect(usableBase(job("t-time", "timestamptz"), w, String(1000n + 2n ** 31n - 1n))).toEqual(w);
  });
});

describe("the job version", () => {
  it("changes with the combine even where two combiners share the source of their merge", async () => {
    const a = await jobVersion(job("t-v", "integer", fields({ rows: count(), x: max() })), null, table);
    const b = await jobVersion(job("t-v", "integer", fields({ rows: count(), x: min() })), null, table);
    expect(a).not.toBe(b);
    expect(await jobVersion(job("t-v", "integer", fields({ rows: count(), x: max() })), null, table)).toBe(a);
  });
});

describe("defineJob", () => {
  it("refuses scheduleWindow with incremental: a scheduled run covers a fixed window or the keys past the last run, not both", () => {
    expect(() =>
      defineJob({
        name: "t-both",
        table: "t",
        key: "at",
        keyType: "timestamptz",
        schedule: "0 3 * * *",
        scheduleWindow: "P1D",
        incremental: true,
        process: async () => ({ rows: 0 }),
        combine: fields({ rows: count() }),
      }),
    ).toThrow(/exclude each other/);
  });
});
