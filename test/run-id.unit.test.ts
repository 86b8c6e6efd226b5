/**
 * Run ids and their triggers: one module writes the id and reads the trigger
 * back, so the history can never disagree with how a run was started.
 */
import { describe, expect, it } from "vitest";
import { idempotentRunId, isRunId, newRunId, scheduledRunId, triggerOf, webhookRunId } from "../src/runs/run-id";

describe("run ids", () => {
  it("reads back the trigger each kind of id was made for", async () => {
    expect(triggerOf(newRunId())).toBe("api");
    expect(triggerOf(await idempotentRunId("orders-total", "key-1"))).toBe("api");
    expect(triggerOf(await webhookRunId("msg_1"))).toBe("webhook");
    expect(triggerOf(await scheduledRunId("orders-total", "2026-11-28T03:00:00.000Z"))).toBe("cron");
  });

  it("derives the same id from the same key, and another from another", async () => {
    expect(await webhookRunId("msg_1")).toBe(await webhookRunId("msg_1"));
    expect(await webhookRunId("msg_1")).not.toBe(await webhookRunId("msg_2"));
    expect(await idempotentRunId("a", "k")).not.toBe(await idempotentRunId("b", "k"));
    expect(await scheduledRunId("a", "2026-11-28T03:00:00.000Z")).not.toBe(await scheduledRunId("a", "2026-11-29T03:00:00.000Z"));
  });

  it("makes ids that are valid run ids and sort by creation", () => {
    const a = newRunId(Date.parse("2026-11-28T03:00:00Z"));
    const b = newRunId(Date.parse("2026-11-28T03:00:01Z"));
    expect(isRunId(a) && isRunId(b)).toBe(true);
    expect(a < b).toBe(true);
    expect(isRunId("../etc")).toBe(false);
  });
});
