/**
 * The pure half of the balanced split: buckets from histogram bounds, groups
 * of about one range's rows, parts to read, and ranges from cut points, all
 * tiling the window.
 */
import { describe, expect, it } from "vitest";
import { cutsToRanges, groupBuckets, histogramBuckets, partsOf, walkRanges, type Bucket, type Group } from "../src/planning/buckets";
import { INT8_MAX, INT8_MIN } from "../src/planning/keys/integer";

function expectTiling(parts: Array<{ start: bigint; end: bigint }>, start: bigint, end: bigint) {
  expect(parts[0]?.start).toBe(start);
  expect(parts.at(-1)?.end).toBe(end);
  parts.forEach((p, i) => {
    expect(p.start <= p.end).toBe(true);
    const next = parts[i + 1];
    if (next) expect(next.start).toBe(p.end + 1n);
  });
}

let seed = 7;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;

describe("histogramBuckets", () => {
  it("tiles the window, reaching past the sampled bounds at both ends", () => {
    const b = histogramBuckets([10n, 20n, 30n, 40n], 100, 1n, 55n);
    expectTiling(b, 1n, 55n);
    expect(b.map((x) => x.rows)).toEqual([100, 100, 100]);
  });

  it("keeps the share of rows of a bucket the window cuts through", () => {
    const b = histogramBuckets([0n, 100n, 200n], 100, 150n, 199n);
    expectTiling(b, 150n, 199n);
    expect(b[0]?.rows).toBeCloseTo(50, 0);
  });

  it("tiles the whole bigint range", () => {
    const b = histogramBuckets([-5n, 0n, 9_000_000_000_000_000_000n], 10, INT8_MIN, INT8_MAX);
    expectTiling(b, INT8_MIN, INT8_MAX);
  });
});

describe("groupBuckets", () => {
  it("merges small buckets until each group holds about one range of rows", () => {
    const buckets: Bucket[] = Array.from({ length: 10 }, (_, i) => ({ start: BigInt(i * 10), end: BigInt(i * 10 + 9), rows: 30 }));
    const groups = groupBuckets(buckets, 100);
    expectTiling(groups, 0n, 99n);
    expect(groups.reduce((n, g) => n + g.rows, 0)).toBe(300);
    for (const g of groups) expect(g.rows).toBeLessThan(200);
  });

  it("gives a big bucket as many pieces as its rows call for", () => {
    const groups = groupBuckets([{ start: 1n, end: 1000n, rows: 950 }], 100);
    expect(groups).toEqual([{ start: 1n, end: 1000n, rows: 950, pieces: 10 }]);
  });

  it("always tiles, whatever the bucket sizes", () => {
    for (let t = 0; t < 200; t++) {
      let s = BigInt(Math.floor(rand() * 1000) - 500);
      const start = s;
      const buckets: Bucket[] = Array.from({ length: 1 + Math.floor(rand() * 30) }, () => {
        const e = s + BigInt(Math.floor(rand() * 50));
        const b = { start: s, end: e, rows: Math.floor(rand() * 400) };
        s = e + 1n;
        return b;
      });
      const groups = groupBuckets(buckets, 1 + Math.floor(rand() * 300));
      expectTiling(groups, start, buckets.at(-1)?.end ?? start);
      expect(groups.reduce((n, g) => n + g.rows, 0)).toBe(buckets.reduce((n, b) => n + b.rows, 0));
    }
  });
});

describe("cutsToRanges", () => {
  it("ends a range at each cut and the last at the window's end", () => {
    expect(cutsToRanges(1n, 10n, [3n, 7n])).toEqual([
      { start: 1n, end: 3n },
      { start: 4n, end: 7n },
      { start: 8n, end: 10n },
    ]);
  });

  it("ignores repeated cuts and cuts outside the window", () => {
    expect(cutsToRanges(1n, 10n, [7n, 3n, 3n, 10n, 0n, 42n])).toHaveLength(3);
  });

  it("always tiles, with random cuts near the ends of bigint", () => {
    for (let t = 0; t < 200; t++) {
      const start = INT8_MAX - 1000n;
      const cuts = Array.from({ length: Math.floor(rand() * 20) }, () => start + BigInt(Math.floor(rand() * 1200) - 100));
      expectTiling(cutsToRanges(start, INT8_MAX, cuts), start, INT8_MAX);
    }
  });
});

describe("partsOf", () => {
  const group = (i: number, rows: number): Group => ({ start: BigInt(i * 100), end: BigInt(i * 100 + 99), rows, pieces: Math.max(1, Math.round(rows / 100)) });

  it("keeps groups that fit one range as ranges and joins the rest into one walk per session's share", () => {
    const groups = [group(0, 90), group(1, 500), group(2, 500), group(3, 500), group(4, 500), group(5, 80)];
    const parts = partsOf(groups, 100, 2);
    expectTiling(parts, 0n, 599n);
    expect(parts.map((p) => [p.kind, p.rows])).toEqual([["range", 90], ["walk", 1000], ["walk", 1000], ["range", 80]]);
  });

  it("walks every group over 1.25 ranges of rows, with a step that shares its rows evenly", () => {
    const parts = partsOf([group(0, 124), group(1, 130), group(2, 1000)], 100, 1);
    expect(parts.map((p) => (p.kind === "walk" ? ["walk", p.step] : ["range", p.rows]))).toEqual([["range", 124], ["walk", 94]]); // 1,130 rows in 12 ranges
    const alone = partsOf([group(0, 130)], 100, 1)[0];
    expect(alone?.kind === "walk" && alone.step).toBe(65);
  });

  it("never joins a walk across a group that fits one range", () => {
    const parts = partsOf([group(0, 500), group(1, 90), group(2, 500)], 100, 1);
    expect(parts.map((p) => p.kind)).toEqual(["walk", "range", "walk"]);
  });
});

describe("walkRanges", () => {
  const walk = { start: 1n, end: 100n, rows: 0 };

  it("ends a range at each cut and keeps a tail of at least a quarter range", () => {
    expect(walkRanges(walk, [10n, 20n], 5, 10)).toEqual({
      ranges: [{ start: 1n, end: 10n }, { start: 11n, end: 20n }, { start: 21n, end: 100n }],
      estimates: [10, 10, 5],
    });
  });

  it("joins a smaller tail to the range before it, so none holds over 1.25 ranges of rows", () => {
    expect(walkRanges(walk, [10n, 20n], 2, 10)).toEqual({
      ranges: [{ start: 1n, end: 10n }, { start: 11n, end: 100n }],
      estimates: [10, 12],
    });
  });

  it("has no tail when the last cut is the walk's end, and one range when there is no cut", () => {
    expect(walkRanges(walk, [50n, 100n], 0, 10).ranges).toEqual([{ start: 1n, end: 50n }, { start: 51n, end: 100n }]);
    expect(walkRanges(walk, [], 7, 10)).toEqual({ ranges: [{ start: 1n, end: 100n }], estimates: [7] });
  });

  it("always tiles, at the ends of bigint too", () => {
    for (let t = 0; t < 200; t++) {
      const start = t % 2 ? INT8_MIN : INT8_MAX - 1000n;
      const w = { start, end: start + 1000n, rows: 0 };
      const cuts = [...new Set(Array.from({ length: Math.floor(rand() * 20) }, () => start + BigInt(Math.floor(rand() * 1001))))].sort((a, b) => (a < b ? -1 : 1));
      const got = walkRanges(w, cuts, Math.floor(rand() * 10), 10);
      expectTiling(got.ranges, w.start, w.end);
      expect(got.estimates).toHaveLength(got.ranges.length);
      expect(Math.max(...got.estimates)).toBeLessThanOrEqual(12.5);
    }
  });
});
