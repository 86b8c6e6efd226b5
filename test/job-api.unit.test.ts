/**
 * The job API (src/jobs/): what `defineJob` infers, what it refuses at load
 * time, and the job lookup built from a list.
 *
 * The `expectTypeOf` and `@ts-expect-error` lines are checked by `tsc`
 * (`npm run check`), not at run time: if `defineJob` or `fields` stop
 * inferring a job's result or parameter types from its `combine` and `params`,
 * this file no longer compiles.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { count, decimalSum, fields, max, min } from "../src/jobs/combiners";
import { defineJob, type Combine, type Job, type ParamsOf, type ResultOf } from "../src/jobs/define";
import { ordersTotal } from "../src/jobs/orders-total";
import { jobLookup } from "../src/jobs/registry";

type Totals = { rows: number; totalAmount: string };

const base = { table: "orders", key: "id" } as const;
const totals = async (): Promise<Totals> => ({ rows: 1, totalAmount: "1.00" });

describe("type inference (checked by tsc)", () => {
  it("fields() reads the result shape off its combiners", () => {
    const c = fields({ rows: count(), totalAmount: decimalSum("0.00"), low: min(), high: max() });
    expectTypeOf(c).toEqualTypeOf<Combine<{ rows: number; totalAmount: string; low: string | null; high: string | null }>>();
    expect(c.merge({ rows: 2, totalAmount: "1.10", low: "3", high: null }, { rows: 3, totalAmount: "2.20", low: "-1", high: "9" })).toEqual({
      rows: 5,
      totalAmount: "3.30",
      low: "-1",
      high: "9",
    });
  });

  it("defineJob without type arguments: the result from combine and process, no params", () => {
    const job = defineJob({
      ...base,
      name: "t-infer",
      async process(range, ctx) {
        expectTypeOf(range.start).toEqualTypeOf<bigint | null>();
        if (!range.nulls) expectTypeOf(range.start).toEqualTypeOf<bigint>();
        expectTypeOf(ctx.params).toEqualTypeOf<undefined>();
        return { rows: 1, totalAmount: "1.00" };
      },
      combine: fields({ rows: count(), totalAmount: decimalSum("0.00") }),
    });
    expectTypeOf(job).toEqualTypeOf<Job<Totals, undefined, "integer">>();
    expectTypeOf<ResultOf<typeof job>>().toEqualTypeOf<Totals>();
    expectTypeOf(ordersTotal).toEqualTypeOf<Job<Totals, undefined, "integer">>();
  });

  it("keyType \"uuid\": range.start and range.end are the uuid's text, null for the NULL range", () => {
    const job = defineJob({
      name: "t-uuid",
      table: "sessions",
      key: "id",
      keyType: "uuid",
      async process(range) {
        expectTypeOf(range.start).toEqualTypeOf<string | null>();
        if (!range.nulls) expectTypeOf(range.end).toEqualTypeOf<string>();
        return { rows: 1, totalAmount: "1.00" };
      },
      combine: fields({ rows: count(), totalAmount: decimalSum("0.00") }),
    });
    expectTypeOf(job).toEqualTypeOf<Job<Totals, undefined, "uuid">>();
    expect(job.keyType).toBe("uuid");
  });

  it("defineJob without type arguments: params typed from the zod schema, result from combine", () => {
    const job = defineJob({
      ...base,
      name: "t-params",
      params: z.object({ mode: z.enum(["a", "b"]), limit: z.number().optional() }),
      async process(_range, { params }) {
        expectTypeOf(params).toEqualTypeOf<{ mode: "a" | "b"; limit?: number | undefined }>();
        // @ts-expect-error: not a field of the schema
        void params.other;
        return totals();
      },
      combine: fields({ rows: count(), totalAmount: decimalSum("0.00") }),
    });
    expectTypeOf<ParamsOf<typeof job>>().toEqualTypeOf<{ mode: "a" | "b"; limit?: number | undefined }>();
    expectTypeOf<ResultOf<typeof job>>().toEqualTypeOf<Totals>();
  });

  it("a schema's output type (after transforms) is what process sees", () => {
    const job = defineJob({
      ...base,
      name: "t-transform",
      params: z.object({ sleepMs: z.number().optional() }).optional().transform((p) => p ?? {}),
      process: totals,
      combine: fields({ rows: count(), totalAmount: decimalSum("0.00") }),
    });
    expectTypeOf<ParamsOf<typeof job>>().toEqualTypeOf<{ sleepMs?: number | undefined }>();
  });

  it("a process result that does not match combine is a type error", () => {
    const combine = fields({ rows: count(), totalAmount: decimalSum("0.00") });
    const process = async () => ({ rows: "many", totalAmount: "1.00" });
    // @ts-expect-error: process gives rows as a string, combine folds a number
    expect(() => defineJob({ ...base, name: "t-mismatch", process, combine })).not.toThrow();
  });
});

describe("defineJob refuses at load time", () => {
  const combine = fields({ ranges: count(), keys: count() });
  const process = async () => ({ ranges: 1, keys: 1 });

  it("a result without a numeric rows field and no rowsOf, naming the job (regression: rowsOf silently defaulted to 0)", () => {
    expect(() => defineJob({ ...base, name: "no-rows", process, combine })).toThrow(/job no-rows: .*no numeric "rows" field.*rowsOf/);
    const stringRows = fields({ rows: decimalSum("0") });
    expect(() => defineJob({ ...base, name: "string-rows", process: async () => ({ rows: "1" }), combine: stringRows })).toThrow(/job string-rows/);
  });

  it("accepts the same job with a rowsOf, and defaults rowsOf to the rows field when there is one", () => {
    const own = defineJob({ ...base, name: "own-rows", process, combine, rowsOf: (r) => r.keys });
    expect(own.rowsOf({ ranges: 2, keys: 7 })).toBe(7);
    const byField = defineJob({ ...base, name: "rows-field", process: totals, combine: fields({ rows: count(), totalAmount: decimalSum("0.00") }) });
    expect(byField.rowsOf({ rows: 42, totalAmount: "1.00" })).toBe(42);
  });

  it("a split or canary default that a run body would refuse", () => {
    const job = { ...base, process: totals, combine: fields({ rows: count(), totalAmount: decimalSum("0.00") }) };
    // @ts-expect-error: not a split strategy
    expect(() => defineJob({ ...job, name: "bad-split", split: "random" })).toThrow(/job bad-split: split/);
    for (const canary of [0, -1, 1.5, 1_000_001]) {
      expect(() => defineJob({ ...job, name: "bad-canary", canary })).toThrow(/job bad-canary: canary/);
    }
    expect(defineJob({ ...job, name: "fine", split: "uniform", canary: 5 })).toMatchObject({ split: "uniform", canary: 5 });
    expect(defineJob({ ...job, name: "global" })).toMatchObject({ split: "balanced", canary: true });
  });
});

describe("jobLookup", () => {
  const other = defineJob({ ...base, name: "other", process: totals, combine: fields({ rows: count(), totalAmount: decimalSum("0.00") }) });

  it("finds jobs by name, in list order", () => {
    const lookup = jobLookup([ordersTotal, other]);
    expect(lookup.get("other")).toBe(other);
    expect(lookup.get("nope")).toBeUndefined();
    expect(lookup.list().map((j) => j.name)).toEqual(["orders-total", "other"]);
  });

  it("refuses a list with two jobs of one name", () => {
    const twin = defineJob({ ...base, name: "other", process: totals, combine: fields({ rows: count(), totalAmount: decimalSum("0.00") }) });
    expect(() => jobLookup([other, ordersTotal, twin])).toThrow("job other is listed twice");
  });
});
