/**
 * The Coordinator's memory stays bounded whatever `/events` clients do
 * (src/coordinator/watch.ts): a run serves at most MAX_WATCHERS streams and
 * refuses the next with 429 `too_many_watchers`, and a client that stops
 * reading is dropped instead of being queued a copy of every status.
 *
 * Regression: watchers had no cap, and writes to a slow reader were neither
 * awaited nor counted, so one client that stopped reading made the
 * Coordinator queue status copies until the run ended (or memory ran out).
 */
import { describe, expect, it } from "vitest";
import { MAX_PENDING_EVENTS, MAX_WATCHERS, PUSH_INTERVAL_MS } from "../src/coordinator/watch";
import { isFinished, type RunStatus } from "../src/coordinator/types";
import { api, getRun, startRun, waitForRun } from "./helpers";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads one `status` event off a stream; null when the stream ended (closed or aborted). */
async function nextEvent(reader: ReadableStreamDefaultReader<string>, buf: { text: string }): Promise<RunStatus | null> {
  for (;;) {
    const at = buf.text.indexOf("\n\n");
    if (at >= 0) {
      const block = buf.text.slice(0, at).split("\n");
      buf.text = buf.text.slice(at + 2);
      return JSON.parse(block.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n")) as RunStatus;
    }
    const next = await reader.read().catch(() => ({ done: true as const, value: undefined }));
    if (next.done) return null;
    buf.text += next.value;
  }
}

async function openEvents(runId: string) {
  const res = await api(`/api/runs/${runId}/events`);
  expect(res.status).toBe(200);
  if (!res.body) throw new Error("no body");
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  return { reader, buf: { text: "" } };
}

describe("GET /api/runs/:runId/events under stress", () => {
  it(`refuses watcher ${MAX_WATCHERS + 1} of a run with 429 too_many_watchers, and frees a slot when a client leaves`, async () => {
    const started = await startRun("test-slow", { rowsPerRange: 1_000, concurrency: 2, params: { sleepMs: 150 } });
    const open = [];
    for (let i = 0; i < MAX_WATCHERS; i++) {
      const w = await openEvents(started.runId);
      expect((await nextEvent(w.reader, w.buf))?.runId).toBe(started.runId);
      open.push(w);
    }
    // Keep reading, as a dashboard does, so these watchers never fall behind; each resolves to its last event.
    const drains = open.slice(1).map(async (w) => {
      let last: RunStatus | null = null;
      for (let e = await nextEvent(w.reader, w.buf); e; e = await nextEvent(w.reader, w.buf)) last = e;
      return last;
    });
    const refused = await api(`/api/runs/${started.runId}/events`);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("too_many_watchers");

    // A client that leaves frees its slot once the next push finds its stream gone.
    await open[0]?.reader.cancel();
    let accepted: Response | null = null;
    for (let i = 0; i < 40 && !accepted; i++) {
      await sleep(PUSH_INTERVAL_MS);
      const res = await api(`/api/runs/${started.runId}/events`);
      if (res.status === 200) accepted = res;
      else await res.body?.cancel();
    }
    expect(accepted?.status, "a slot was freed").toBe(200);
    await accepted?.body?.cancel();

    expect((await api(`/api/runs/${started.runId}/cancel`, { method: "POST" })).status).toBe(200);
    // Every stream still open ends with the final status.
    for (const last of await Promise.all(drains)) expect(last?.status).toBe("cancelled");
    await waitForRun(started.runId);
  });

  it("drops a watcher that stops reading while the run goes on, instead of queueing every status for it", async () => {
    // 100 ranges of at least 100 ms at concurrency 2: 5 s or more of reports, a push every PUSH_INTERVAL_MS.
    const started = await startRun("test-slow", { rowsPerRange: 500, concurrency: 2, canary: false, params: { sleepMs: 100 } });
    const w = await openEvents(started.runId);
    expect((await nextEvent(w.reader, w.buf))?.status).toBe("running");

    // Stop reading for long enough that many more pushes than MAX_PENDING_EVENTS went out.
    await sleep(PUSH_INTERVAL_MS * (MAX_PENDING_EVENTS + 4));
    expect((await getRun(started.runId)).status, "the run is still going").toBe("running");

    let events = 0;
    let last: RunStatus | null = null;
    for (let e = await nextEvent(w.reader, w.buf); e; e = await nextEvent(w.reader, w.buf)) {
      events++;
      last = e;
    }
    // The stream ended early: the dropped watcher never received the final status.
    expect(last === null || !isFinished(last.status), `last event: ${last?.status}`).toBe(true);
    expect(events).toBeLessThanOrEqual(MAX_PENDING_EVENTS + 2);
    const final = await waitForRun(started.runId);
    expect(final.status).toBe("succeeded");
  });
});
