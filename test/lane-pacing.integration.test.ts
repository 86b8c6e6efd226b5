/**
 * A lane under a rate limit begins a range no earlier than its start slot,
 * and no more than LATE_SLOT_MS after it: a range whose slot passed while the
 * range before it ran long is given back unspent for a new slot, instead of
 * beginning late next to other lanes' ranges and crowding a later 10-second
 * window (docs/pacing.md). Played with the real LaneRunner and a scripted
 * Coordinator.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Lane } from "../src/consumer/lane";
import { LATE_SLOT_MS, LaneRunner } from "../src/consumer/lane-runner";
import type { LaneCall, LaneGrant, RangeTask } from "../src/coordinator/types";
import { getJob } from "../src/jobs/registry";

function task(rangeId: number, notBefore?: number): RangeTask {
  return { rangeId, attempt: 1, start: String(rangeId), end: String(rangeId), endExclusive: false, nulls: false, ...(notBefore ? { notBefore } : {}) };
}

describe("a paced lane", () => {
  it("begins a range on time, and gives back one whose slot passed more than LATE_SLOT_MS ago", async () => {
    const job = getJob("noop");
    if (!job) throw new Error("no noop job");
    const calls: LaneCall[] = [];
    const now = Date.now();
    const rpc = async (call: LaneCall): Promise<LaneGrant> => {
      calls.push(call);
      const first = calls.length === 1;
      return {
        ranges: first ? [task(1), task(2, now - 4 * LATE_SLOT_MS), task(3, now + 200)] : [],
        stop: !first && calls.length > 3,
        leaseUntil: now + 60_000,
        timeoutMs: 5_000,
        rowsPerRange: 1,
        params: null,
        nonce: "",
        callIntervalMs: 50,
      };
    };
    await new LaneRunner(1, "late-slot", job, new Lane(env, "late-slot"), rpc).run();
    const started = calls.flatMap((c) => c.started.map(([id, , at]) => ({ id, at })));
    const released = calls.flatMap((c) => c.release.map(([id]) => id));
    expect(started.map((s) => s.id).sort()).toEqual([1, 3]);
    expect(released).toEqual([2]);
    // Range 3 waited for its slot.
    expect(started.find((s) => s.id === 3)?.at ?? 0).toBeGreaterThanOrEqual(now + 200);
  });
});
