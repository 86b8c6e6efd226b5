/**
 * The DOM-free part of the dashboard's browser code (src/ui/client): reading
 * Server-Sent Events from text that arrives in arbitrary chunks. Its rows/s
 * and ETA are the shared src/lib/progress.ts (progress.unit.test.ts); the
 * rest of the browser code runs in real Chromium (e2e/dashboard.browser.test.ts).
 */
import { describe, expect, it } from "vitest";
import { EventSplitter } from "../src/ui/client/sse";

describe("EventSplitter", () => {
  it("yields each event's data once it is complete, whatever the chunk boundaries", () => {
    const stream = 'event: status\ndata: {"a":1}\n\nevent: status\ndata: {"b":\ndata: 2}\n\n: keep-alive\n\nevent: status\ndata: {"c":3}\n\n';
    const expected = ['{"a":1}', '{"b":\n2}', '{"c":3}'];
    for (let size = 1; size <= stream.length; size++) {
      const split = new EventSplitter();
      const got: string[] = [];
      for (let at = 0; at < stream.length; at += size) got.push(...split.push(stream.slice(at, at + size)));
      expect(got, `chunks of ${size}`).toEqual(expected);
    }
  });

  it("keeps an unfinished event until its blank line arrives", () => {
    const split = new EventSplitter();
    expect(split.push("data: 1\n")).toEqual([]);
    expect(split.push("\n")).toEqual(["1"]);
  });
});
