/**
 * DESIGN invariant 7: results arrive in any order and are folded in any
 * grouping, so every combiner rangemap ships, and the `combine` of every
 * registered job, must be associative and commutative with `initial()` as its
 * identity. Property-style: random lists of results (a seeded PRNG, so a
 * failure replays) are folded in many orders and random binary groupings and
 * must give the same result as one left fold. Both lists below are checked for
 * completeness, so a new combiner or job cannot slip past without a generator.
 */
import { describe, expect, it } from "vitest";
import * as combiners from "../src/jobs/combiners";
import { count, decimalSum, fields, max, min } from "../src/jobs/combiners";
import type { Combine, Json } from "../src/jobs/define";
import { listJobs } from "../src/jobs/registry";

type Rand = () => number;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(name: string): number {
  let h = 2166136261;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

const int = (r: Rand, below: number) => Math.floor(r() * below);

/** Digits of a non-negative integer, sometimes far beyond 2^53 (exactness). */
function digits(r: Rand): string {
  if (r() < 0.15) return (BigInt(int(r, 2 ** 30)) * 10n ** 12n + BigInt(int(r, 2 ** 30))).toString();
  return String(int(r, r() < 0.5 ? 100 : 1_000_000));
}

/** A decimal string with exactly `scale` fractional digits, as Postgres prints a numeric(p, scale); never "-0". */
function decimal(r: Rand, scale: number): string {
  const whole = digits(r);
  const frac = scale === 0 ? "" : String(int(r, 10 ** scale)).padStart(scale, "0");
  const text = scale === 0 ? whole : `${whole}.${frac}`;
  return r() < 0.3 && /[1-9]/.test(text) ? `-${text}` : text;
}

/**
 * A combiner and results to feed it. Results are in the form the job's SQL
 * gives them (one scale per decimal column), for which `initial()` is an exact
 * identity.
 */
interface Case {
  name: string;
  combine: Combine<Json>;
  value: (r: Rand) => Json;
}

function caseOf<R extends Json>(name: string, combine: Combine<R>, value: (r: Rand) => R): Case {
  return { name, combine: combine as unknown as Combine<Json>, value };
}

const money = (r: Rand) => decimal(r, 2);
/**
 * A min/max input: a value of one numeric(…, 2) column, or null for no rows;
 * repeats make ties. One scale only: of two equal values written at different
 * scales ("7.0", "7.00") min and max keep whichever came first.
 */
const extreme = (r: Rand) => (r() < 0.2 ? null : r() < 0.2 ? "7.00" : money(r));

/** Every export of src/jobs/combiners.ts, with the cases that check it; the type fails to compile if one is missing. */
const COMBINERS = {
  count: [caseOf("count()", count(), (r) => int(r, 1_000_000))],
  decimalSum: [
    caseOf('decimalSum("0.00")', decimalSum("0.00"), money),
    // With the default zero, results of any scale mix; the sum keeps the largest.
    caseOf("decimalSum()", decimalSum(), (r) => decimal(r, int(r, 5))),
  ],
  min: [caseOf("min()", min(), extreme)],
  max: [caseOf("max()", max(), extreme)],
  fields: [
    caseOf(
      "fields({ count, decimalSum, min, max })",
      fields<{ rows: number; total: string; lo: string | null; hi: string | null }>({ rows: count(), total: decimalSum("0.00"), lo: min(), hi: max() }),
      (r) => ({ rows: int(r, 100_000), total: money(r), lo: extreme(r), hi: extreme(r) }),
    ),
  ],
} satisfies Record<keyof typeof combiners, Case[]>;

/** `{ rows, totalAmount }`: orders-total and every job that computes the same. */
const totals = (r: Rand): Json => ({ rows: int(r, 100_000), totalAmount: money(r) });

/** Results of each registered job, by name. A job missing here fails the test by name. */
const JOB_RESULTS: Record<string, (r: Rand) => Json> = {
  "orders-total": totals,
  "orders-pull": totals,
  "staged-payments-total": totals,
  noop: (r) => ({ ranges: 1 + int(r, 3), keys: String(int(r, 10_000)) }),
  "customers-total": (r) => ({ rows: int(r, 100_000), totalCredit: money(r) }),
  "audit-count": (r) => ({ rows: int(r, 100_000) }),
  "test-ctid-counts": (r) => {
    const seen: Record<string, number> = {};
    for (let i = int(r, 4); i > 0; i--) seen[String(1 + int(r, 6))] = 1 + int(r, 2);
    return { rows: Object.values(seen).reduce((a, b) => a + b, 0), seen };
  },
  "orders-archive": (r) => ({ rows: int(r, 10_000) }),
  "orders-archive-at-least-once": (r) => ({ rows: int(r, 10_000) }),
  "test-archive": (r) => ({ rows: int(r, 10_000) }),
  "test-archive-alo": (r) => ({ rows: int(r, 10_000) }),
  "events-total": totals,
  "sessions-total": (r) => ({ rows: int(r, 100_000), totalSeconds: decimal(r, 0) }),
};
/** Jobs that exist only in tests (test/setup/jobs.ts and test files): all of them return totals, unless listed above. */
const TEST_ONLY_JOB = /^(test-|sum-t-)/;

function jobCases(): Case[] {
  const jobs = listJobs();
  const missing = jobs.map((j) => j.name).filter((name) => !JOB_RESULTS[name] && !TEST_ONLY_JOB.test(name));
  expect(missing, "jobs with no result generator in combiners.unit.test.ts: add one to JOB_RESULTS").toEqual([]);
  return jobs.map((job) => caseOf(`job ${job.name}`, job.combine, JOB_RESULTS[job.name] ?? totals));
}

/** Folds `leaves` (at least one) in a random binary grouping. */
function foldTree(combine: Combine<Json>, leaves: Json[], r: Rand): Json {
  if (leaves.length === 1) return leaves[0] as Json;
  const cut = 1 + int(r, leaves.length - 1);
  return combine.merge(foldTree(combine, leaves.slice(0, cut), r), foldTree(combine, leaves.slice(cut), r));
}

function shuffled<T>(items: T[], r: Rand): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = int(r, i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const LISTS = 60;
const SHAPES = 25;

/** The laws, checked on one case; returns how many folds were compared. */
function checkLaws(c: Case): number {
  const r = prng(seedOf(c.name));
  const { initial, merge } = c.combine;
  let folds = 0;
  for (let list = 0; list < LISTS; list++) {
    const results = Array.from({ length: int(r, 12) }, () => c.value(r));

    for (const x of results) {
      expect(merge(initial(), x), `${c.name}: initial() ⊕ ${JSON.stringify(x)}`).toEqual(x);
      expect(merge(x, initial()), `${c.name}: ${JSON.stringify(x)} ⊕ initial()`).toEqual(x);
    }

    const reference = results.reduce<Json>((acc, x) => merge(acc, x), initial());
    for (let shape = 0; shape < SHAPES; shape++) {
      // Any order, any grouping, and empty parts (initial()) anywhere: one result.
      const leaves = shuffled([...results, ...Array.from({ length: int(r, 3) }, () => initial())], r);
      const before = JSON.stringify(leaves);
      const folded = leaves.length === 0 ? initial() : foldTree(c.combine, leaves, r);
      expect(folded, `${c.name}: ${JSON.stringify(results)} folded as ${before}`).toEqual(reference);
      // The ledger keeps what it merged: merge must not change its arguments.
      expect(JSON.stringify(leaves), `${c.name}: merge changed its inputs`).toBe(before);
      folds++;
    }
  }
  return folds;
}

describe("invariant 7: every combiner is associative and commutative, with initial() as identity", () => {
  for (const [name, cases] of Object.entries(COMBINERS)) {
    it(`${name}, folded in ${LISTS * SHAPES} random orders and groupings per case`, () => {
      for (const c of cases) expect(checkLaws(c)).toBe(LISTS * SHAPES);
    });
  }

  it("covers every export of src/jobs/combiners.ts", () => {
    expect(Object.keys(COMBINERS).sort()).toEqual(Object.keys(combiners).sort());
  });

  it("the combine of every registered job", () => {
    const cases = jobCases();
    expect(cases.map((c) => c.name)).toEqual(expect.arrayContaining(Object.keys(JOB_RESULTS).map((n) => `job ${n}`)));
    for (const c of cases) expect(checkLaws(c)).toBe(LISTS * SHAPES);
  });
});

describe("what each combiner computes", () => {
  const values = ["12.34", "-0.99", "100", "0.01", "7.50", null, "3"] as const;

  it("decimalSum is exact where floats round, beyond 2^53 too", () => {
    const sum = decimalSum("0.00");
    const nums = values.filter((v): v is Exclude<typeof v, null> => v !== null);
    expect(nums.reduce((a, b) => sum.merge(a, b), sum.initial())).toBe("121.86");
    expect(sum.merge("0.10", "0.20")).toBe("0.30");
    expect(sum.merge("9007199254740993.01", "0.02")).toBe("9007199254740993.03");
  });

  it("count refuses what is not a safe integer", () => {
    expect(count().merge(2, 3)).toBe(5);
    expect(() => count().merge(1.5, 1)).toThrow(TypeError);
    expect(() => count().merge(2 ** 53, 1)).toThrow(TypeError);
  });

  it("min and max ignore nulls and compare numerically", () => {
    const lo = min();
    const hi = max();
    expect(values.reduce<string | null>((a, b) => lo.merge(a, b), lo.initial())).toBe("-0.99");
    expect(values.reduce<string | null>((a, b) => hi.merge(a, b), hi.initial())).toBe("100");
    expect(lo.merge(null, null)).toBeNull();
  });

  it("fields merges each field with its own combiner", () => {
    const c = fields<{ rows: number; total: string }>({ rows: count(), total: decimalSum("0.00") });
    expect(c.initial()).toEqual({ rows: 0, total: "0.00" });
    expect(c.merge({ rows: 2, total: "1.10" }, { rows: 3, total: "2.20" })).toEqual({ rows: 5, total: "3.30" });
  });
});
