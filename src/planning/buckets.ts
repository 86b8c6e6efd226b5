/**
 * The pure half of the balanced split: from per-bucket row estimates to
 * groups, from groups to the parts the planner reads (a group kept whole, or
 * a walk over groups that need exact cuts), and from a walk's cut points to
 * ranges. Coverage is by construction: groups tile the window, parts tile
 * the groups, and cuts only subdivide a walk.
 */
import type { IntRange } from "./uniform";

/** A slice of the key window with an estimated row count. */
export interface Bucket {
  start: bigint;
  end: bigint;
  rows: number;
}

/** Consecutive buckets to be cut into `pieces` ranges of about equal rows. */
export interface Group extends Bucket {
  pieces: number;
}

/**
 * Buckets over `[start, end]` from histogram bounds (sorted, equal rows per
 * bucket). The first bucket reaches down to `start` and the last up to `end`,
 * so rows outside the sampled bounds are still covered.
 */
export function histogramBuckets(bounds: readonly bigint[], rowsPerBucket: number, start: bigint, end: bigint): Bucket[] {
  if (bounds.length < 2 || end < start) return [{ start, end, rows: 0 }];
  const buckets: Bucket[] = [];
  for (let i = 1; i < bounds.length; i++) {
    const lo = i === 1 ? null : (bounds[i - 1] as bigint) + 1n;
    const hi = i === bounds.length - 1 ? null : (bounds[i] as bigint);
    const s = lo === null || lo < start ? start : lo;
    const e = hi === null || hi > end ? end : hi;
    if (s > e) continue;
    // A bucket the window cuts through keeps the share of its key width inside.
    const fullLo = (bounds[i - 1] as bigint) + (i === 1 ? 0n : 1n);
    const fullHi = bounds[i] as bigint;
    const width = fullHi - fullLo + 1n;
    const inside = (e < fullHi ? e : fullHi) - (s > fullLo ? s : fullLo) + 1n;
    const share = width > 0n && inside > 0n && inside < width ? Number(inside) / Number(width) : 1;
    buckets.push({ start: s, end: e, rows: rowsPerBucket * share });
  }
  return buckets.length ? buckets : [{ start, end, rows: 0 }];
}

/**
 * Merges small neighbours until a group holds about `rowsPerRange` rows, and
 * gives each group the number of ranges its rows call for.
 */
export function groupBuckets(buckets: readonly Bucket[], rowsPerRange: number): Group[] {
  const groups: Group[] = [];
  let open: Bucket | null = null;
  const close = (b: Bucket) => groups.push({ ...b, pieces: Math.max(1, Math.round(b.rows / rowsPerRange)) });
  for (const b of buckets) {
    open = open ? { start: open.start, end: b.end, rows: open.rows + b.rows } : { ...b };
    if (open.rows >= rowsPerRange) {
      close(open);
      open = null;
    }
  }
  if (open) {
    const last = groups.at(-1);
    // A small remainder joins the previous group when together they still fit one range's worth of slack.
    if (last && last.rows + open.rows < 2 * rowsPerRange && last.pieces === 1) {
      groups[groups.length - 1] = { start: last.start, end: open.end, rows: last.rows + open.rows, pieces: 1 };
    } else close(open);
  }
  return groups;
}

/**
 * Ranges of `[start, end]` ending at each cut (inclusive), then at `end`.
 * Cuts outside the window or repeated are ignored.
 */
export function cutsToRanges(start: bigint, end: bigint, cuts: readonly bigint[]): IntRange[] {
  const sorted = [...new Set(cuts)].filter((c) => c >= start && c < end).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const ranges: IntRange[] = [];
  let s = start;
  for (const c of sorted) {
    ranges.push({ start: s, end: c });
    s = c + 1n;
  }
  ranges.push({ start: s, end });
  return ranges;
}

/** The most rows a planned range may hold, over `rowsPerRange`. */
export const MAX_OVER = 1.25;

/**
 * One part of the plan, in key order: a group the statistics say fits in one
 * range, or a walk over consecutive groups that do not, read from the table by
 * one statement on one session with a cut every `step` rows.
 */
export type Part = (Bucket & { kind: "range" }) | (Bucket & { kind: "walk"; step: number });

/**
 * Groups as parts: a group of at most `MAX_OVER` ranges' rows is one range;
 * consecutive bigger ones join into walks of about `1/sessions` of all the
 * rows to walk, so that the sessions share the reading evenly. A walk's step
 * is its rows shared evenly by as many ranges as it needs, never over
 * `rowsPerRange`.
 */
export function partsOf(groups: readonly Group[], rowsPerRange: number, sessions: number): Part[] {
  const walked = (g: Group) => g.rows > MAX_OVER * rowsPerRange;
  const walkRows = groups.reduce((n, g) => n + (walked(g) ? g.rows : 0), 0);
  const share = walkRows / Math.max(1, sessions);
  const parts: Part[] = [];
  let open: Bucket | null = null;
  const close = () => {
    if (open) parts.push({ ...open, kind: "walk", step: Math.max(1, Math.round(open.rows / Math.ceil(open.rows / rowsPerRange))) });
    open = null;
  };
  for (const g of groups) {
    if (!walked(g)) {
      close();
      parts.push({ start: g.start, end: g.end, rows: g.rows, kind: "range" });
      continue;
    }
    open = open ? { start: open.start, end: g.end, rows: open.rows + g.rows } : { start: g.start, end: g.end, rows: g.rows };
    if (open.rows >= share) close();
  }
  close();
  return parts;
}

/**
 * The ranges of one walk. Each cut ends a range of `step` rows; the rows
 * after the last cut (`tail`, counted) end the walk. A tail under a quarter
 * of a range joins the range before it, so no range holds more than
 * `MAX_OVER` × `step` rows (on a unique key) and none is a sliver.
 */
export function walkRanges(walk: Bucket, cuts: readonly bigint[], tail: number, step: number): { ranges: IntRange[]; estimates: number[] } {
  const inside = cuts.filter((c) => c >= walk.start && c < walk.end);
  // A last cut at the walk's end leaves no tail: its range is already whole.
  const hasTail = inside.length > 0 && inside.length === cuts.length;
  const joined = hasTail && tail < (MAX_OVER - 1) * step;
  if (joined) inside.pop();
  const ranges = cutsToRanges(walk.start, walk.end, inside);
  const last = !cuts.length || (hasTail && !joined) ? tail : joined ? step + tail : step;
  const estimates = ranges.map((_, i) => (i === ranges.length - 1 ? last : step));
  return { ranges, estimates };
}
