/**
 * A scheduled run's window relative to its scheduled time (`scheduleWindow`
 * on a job with a time key): the previous whole period of a fixed length,
 * aligned in UTC to multiples of that length from the Unix epoch. `"P1D"`
 * fired at any time on day D is `[D−1 00:00, D 00:00)`: the end is excluded,
 * so a row at exactly midnight is in the next day's run and never in two.
 */
import type { KeyTypeName } from "../planning/keys/key-type";
import { floorDiv, formatTime, type TimeKind } from "../planning/keys/civil";
import { widthOf } from "../planning/keys/time";

const TIME_KINDS: readonly string[] = ["timestamptz", "timestamp", "date"] satisfies TimeKind[];

const isTime = (keyType: KeyTypeName): keyType is TimeKind => TIME_KINDS.includes(keyType);

/** Why a job's `scheduleWindow` cannot be, or null when it is fine. */
export function scheduleWindowProblem(keyType: KeyTypeName, window: string, schedule: string | undefined): string | null {
  if (!isTime(keyType)) return `scheduleWindow is for time keys (timestamptz, timestamp, date), and this job's keyType is "${keyType}"`;
  if (schedule === undefined) return "scheduleWindow needs a schedule: it is the window of the scheduled runs";
  const w = widthOf(window, keyType);
  return w.ok ? null : `scheduleWindow: ${w.message}`;
}

/**
 * The window a run scheduled at `scheduledTime` (ms since the epoch) covers,
 * in the key's text form, end excluded.
 *
 * @example previousWindow("timestamptz", "P1D", Date.parse("2026-11-28T00:00:05Z"))
 * // { start: "2026-11-27T00:00:00.000000Z", end: "2026-11-28T00:00:00.000000Z", endExclusive: true }
 */
export function previousWindow(keyType: KeyTypeName, window: string, scheduledTime: number): { start: string; end: string; endExclusive: true } {
  if (!isTime(keyType)) throw new TypeError(`scheduleWindow is for time keys, not ${keyType}`);
  const w = widthOf(window, keyType);
  if (!w.ok) throw new TypeError(w.message);
  const end = floorDiv(BigInt(scheduledTime) * 1000n, w.micros) * w.micros;
  return { start: formatTime(end - w.micros, keyType), end: formatTime(end, keyType), endExclusive: true };
}
