/**
 * What a run writes to the Workers log, captured from the real Coordinator
 * and consumer while a range fails on a real Postgres error: one JSON line
 * per event, each carrying the `runId`, `rangeId` and `attempt` that Workers
 * Logs filters on.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RunStatus } from "../src/coordinator/types";
import { query, startRun, waitForRun } from "./helpers";

describe("the log lines of a run", () => {
  afterEach(() => vi.restoreAllMocks());

  it("a failing range logs one JSON line per event with runId, rangeId and attempt", async () => {
    const lines: string[] = [];
    const capture = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
    vi.spyOn(console, "log").mockImplementation(capture);
    vi.spyOn(console, "error").mockImplementation(capture);
    const poisonKey = 7_777n;
    await query("INSERT INTO poison_keys (key) VALUES ($1) ON CONFLICT DO NOTHING", [poisonKey.toString()]);
    let run: RunStatus;
    try {
      run = await waitForRun((await startRun("test-poison", { rowsPerRange: 5_000, split: "uniform", canary: false })).runId);
    } finally {
      await query("DELETE FROM poison_keys WHERE key = $1", [poisonKey.toString()]);
    }
    expect(run.status).toBe("failed");
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const mine = records.filter((r) => r["runId"] === run.runId);
    expect(mine.every((r) => typeof r["level"] === "string" && typeof r["msg"] === "string")).toBe(true);
    const rangeId = run.errors[0]?.rangeId;
    expect(rangeId).toEqual(expect.any(Number));
    expect(mine).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ msg: "run planned", level: "info" }),
        // the consumer, where the range ran
        expect.objectContaining({ msg: "range attempt failed", level: "error", rangeId, attempt: 1, code: "22012", retryable: false }),
        // the Coordinator, which decided the range has failed for good
        expect.objectContaining({ msg: "range failed", level: "error", rangeId, attempt: 1, code: "22012" }),
        expect.objectContaining({ msg: "run finished", status: "failed" }),
      ]),
    );
  });
});
