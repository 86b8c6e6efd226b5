/**
 * The structured log line (src/lib/log.ts): one JSON object, `level` and
 * `msg` first and never overridden by a field, long strings cut so one bad
 * row cannot flood the logs.
 */
import { describe, expect, it } from "vitest";
import { logLine, MAX_FIELD_CHARS } from "../src/lib/log";

describe("logLine", () => {
  it("puts level and msg first, keeps fields, and cuts long strings", () => {
    const line = logLine("error", "range failed", { runId: "r1", rangeId: 3, attempt: 2, error: "x".repeat(2_000), msg: "ignored" });
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(["level", "msg", "runId", "rangeId", "attempt", "error"]);
    expect(parsed).toMatchObject({ level: "error", msg: "range failed", runId: "r1", rangeId: 3, attempt: 2 });
    expect((parsed["error"] as string).length).toBe(MAX_FIELD_CHARS + 1);
  });
});
