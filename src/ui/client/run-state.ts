/**
 * The open run page: which run it shows, what it last received, and the
 * stream, timers and rate meter that belong to it. At most one is open;
 * work started for a page that is no longer current (a late event, a strip
 * fetched after leaving) checks `isCurrent` and is dropped.
 */
import { RateMeter } from "./progress";
import type { RunView } from "./wire";

export interface RunPage {
  id: string;
  run: RunView | null;
  /** Aborts the event stream being read. */
  abort: AbortController | null;
  /** rows/s and ETA of this run, from the statuses it received. */
  meter: RateMeter;
  /** When the strip was last fetched (epoch ms). */
  stripAt: number;
  stripTimer: ReturnType<typeof setTimeout> | undefined;
  pollTimer: ReturnType<typeof setTimeout> | undefined;
}

let current: RunPage | null = null;

export function currentPage(): RunPage | null {
  return current;
}

export function isCurrent(page: RunPage): boolean {
  return page === current;
}

/** Opens a new page for run `id` (the caller has closed the previous one). */
export function openPage(id: string): RunPage {
  current = { id, run: null, abort: null, meter: new RateMeter(), stripAt: 0, stripTimer: undefined, pollTimer: undefined };
  return current;
}

/** Stops everything the open page started, and forgets it. */
export function closePage(): void {
  if (!current) return;
  current.abort?.abort();
  clearTimeout(current.stripTimer);
  clearTimeout(current.pollTimer);
  current = null;
}
