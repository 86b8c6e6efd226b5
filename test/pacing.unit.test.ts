/**
 * The rate limit's arithmetic, pure (src/coordinator/pacing.ts): start slots
 * are spaced 1/rate apart and never granted past the horizon, rows are
 * charged by their estimate, and, for lanes that call at random moments
 * asking for random numbers of ranges, no 10-second window ever holds more
 * than 10 × rate (+1) starts.
 */
import { describe, expect, it } from "vitest";
import { PACE_HORIZON_MS, planSlots, rowsEstimate } from "../src/coordinator/pacing";

const none = { rate_ranges: null, rate_rows: null, pace_ranges_at: 0, pace_rows_at: 0 };

/** Most of `times` (sorted) inside any window of `windowMs`. */
function busiestWindow(times: number[], windowMs: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[j] ?? Infinity) <= (times[i] ?? 0) - windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe("planSlots", () => {
  it("spaces ranges 1/rate apart from now, up to the horizon", () => {
    const plan = planSlots({ ...none, rate_ranges: 4 }, 100, 0, 10_000);
    expect(plan.slots).toEqual([10_000, 10_250, 10_500, 10_750, 11_000]);
    expect(plan.rangesAt).toBe(11_250);
    expect(plan.next).toBe(11_250);
  });

  it("gives nothing, and says when the next slot is, when the rate is used up past the horizon", () => {
    const plan = planSlots({ ...none, rate_ranges: 1, pace_ranges_at: 20_000 }, 5, 0, 10_000);
    expect(plan.slots).toEqual([]);
    expect(plan.next).toBe(20_000);
  });

  it("charges rows by their estimate, and the tighter of two limits wins", () => {
    const rows = planSlots({ ...none, rate_rows: 1_000 }, 10, 500, 0);
    expect(rows.slots).toEqual([0, 500, 1_000]);
    const both = planSlots({ ...none, rate_ranges: 10, rate_rows: 1_000 }, 10, 50, 0);
    expect(both.slots).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
  });

  it("does not save up an idle stretch for a burst", () => {
    const plan = planSlots({ ...none, rate_ranges: 2, pace_ranges_at: 1_000 }, 3, 0, 60_000);
    expect(plan.slots).toEqual([60_000, 60_500, 61_000]);
  });

  it("holds every 10-second window to 10 × rate + 1 starts, whatever lanes ask and when", () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (const rate of [0.5, 3, 25, 400]) {
      let state = { ...none, rate_ranges: rate };
      const starts: number[] = [];
      for (let now = 0; now < 60_000; now += Math.floor(random() * 300)) {
        const plan = planSlots(state, Math.floor(random() * 12), 0, now);
        for (const slot of plan.slots) expect(slot).toBeLessThanOrEqual(now + PACE_HORIZON_MS);
        starts.push(...plan.slots);
        state = { ...state, pace_ranges_at: plan.rangesAt };
      }
      starts.sort((a, b) => a - b);
      expect(busiestWindow(starts, 10_000), `rate ${rate}`).toBeLessThanOrEqual(Math.floor(10 * rate) + 1);
      // And the rate is used: the slots keep up with it.
      expect(starts.length, `rate ${rate}`).toBeGreaterThan(Math.min(60 * rate * 0.9, 2_000));
    }
  });
});

describe("rowsEstimate", () => {
  it("is the mean of the done ranges once there are some, the planned rows per range before, and never below 1", () => {
    expect(rowsEstimate({ rows: 0, rows_per_range: 500 }, 0)).toBe(500);
    expect(rowsEstimate({ rows: 3_000, rows_per_range: 500 }, 10)).toBe(300);
    expect(rowsEstimate({ rows: 0, rows_per_range: 500 }, 10)).toBe(1);
  });
});
