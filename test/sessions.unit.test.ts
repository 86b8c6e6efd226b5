/**
 * Planning's reads spread over sessions (src/planning/sessions.ts): every
 * item once, results in order, no more sessions than asked for, a session
 * that cannot open only means fewer, and an error stops the rest.
 */
import { describe, expect, it } from "vitest";
import { inSessions, type OpenSession } from "../src/planning/sessions";

const tick = () => new Promise((r) => setTimeout(r, 1));

/** Sessions named "s1", "s2", …; `failFrom`: opening the n-th and later ones fails. */
function opener(failFrom = Infinity) {
  let opened = 0;
  let open = 0;
  let most = 0;
  const openSession: OpenSession<string> = async (fn) => {
    opened += 1;
    if (opened >= failFrom) throw new Error("too many connections");
    open += 1;
    most = Math.max(most, open);
    try {
      return await fn(`s${opened}`);
    } finally {
      open -= 1;
    }
  };
  return { openSession, stats: () => ({ opened, most }) };
}

describe("inSessions", () => {
  it("runs every item once, returns results in the items' order, and uses the sessions it may", async () => {
    const { openSession, stats } = opener();
    const ran: Array<[string, number]> = [];
    const items = Array.from({ length: 20 }, (_, i) => i);
    const out = await inSessions("main", openSession, 4, items, async (s, i) => {
      await tick();
      ran.push([s, i]);
      return i * 10;
    });
    expect(out).toEqual(items.map((i) => i * 10));
    expect(ran.map(([, i]) => i).sort((a, b) => a - b)).toEqual(items);
    expect(new Set(ran.map(([s]) => s))).toEqual(new Set(["main", "s1", "s2", "s3"]));
    expect(stats()).toEqual({ opened: 3, most: 3 });
  });

  it("opens no more sessions than there are items, and none without a way to open them", async () => {
    const { openSession, stats } = opener();
    expect(await inSessions("main", openSession, 4, [1, 2], async (_, i) => i)).toEqual([1, 2]);
    expect(stats().opened).toBe(1);
    expect(await inSessions("main", undefined, 4, [1, 2, 3], async (s, i) => `${s}${i}`)).toEqual(["main1", "main2", "main3"]);
  });

  it("carries on with fewer sessions when some cannot be opened", async () => {
    const { openSession } = opener(2);
    const out = await inSessions("main", openSession, 4, [1, 2, 3, 4, 5, 6], async (_, i) => {
      await tick();
      return i;
    });
    expect(out).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("rejects with the work's error and stops every session from taking more", async () => {
    const { openSession } = opener();
    const started: number[] = [];
    const run = inSessions("main", openSession, 2, Array.from({ length: 10 }, (_, i) => i), async (_, i) => {
      started.push(i);
      await tick();
      if (i === 1) throw new Error("boom");
      return i;
    });
    await expect(run).rejects.toThrow("boom");
    await new Promise((r) => setTimeout(r, 50)); // long enough for a session that kept going to take every item
    expect(started.length).toBeLessThan(5);
  });
});
