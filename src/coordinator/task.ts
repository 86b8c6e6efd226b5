/**
 * A leased range as a lane gets it: its keys, the kind of range (half-open,
 * closed, or the NULL range), and the split chain an exactly-once job locks
 * along. Both ways of granting ranges (dispatch.ts, and pacing.ts under a
 * rate limit) build tasks here, so a lane never misses a field.
 */
import type { LeasedRange } from "./ledger-rows";
import type { RangeTask } from "./types";

export function taskOf(r: LeasedRange): RangeTask {
  return {
    rangeId: r.id, attempt: r.attempt, start: r.start, end: r.end, endExclusive: r.end_exclusive === 1, nulls: r.nulls === 1,
    ...(r.ancestors ? { ancestors: r.ancestors } : {}),
  };
}
