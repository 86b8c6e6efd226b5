/**
 * Run options: the body of `POST /api/jobs/:job/runs` (and, later, webhooks).
 *
 * The body comes first: run body > job default > global default (the whole
 * rule is at the top of src/coordinator/options.ts). Options left out of the
 * body are left undefined here and resolved by the Coordinator, so a run
 * records the values it actually used.
 */
import { z } from "zod";
import { MAX_CANARY_RANGES, type Job, type Json } from "../jobs/define";
import { keyTypeOf } from "../planning/keys";
import type { RunSpec } from "../runs/spec";
import { apiError } from "./errors";

/** A bound as given; parsed by the job's key type in `toRunSpec`, which knows what it must look like. */
const key = z.union([z.string().max(4096), z.number()]);

const int = (lo: number, hi: number) => z.number().int().min(lo).max(hi);

const json: z.ZodType<Json> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(json), z.record(json)]),
);

export const runBody = z
  .object({
    start: key.optional(),
    end: key.optional(),
    rowsPerRange: int(1, Number.MAX_SAFE_INTEGER).optional(),
    split: z.enum(["uniform", "balanced"]).optional(),
    width: z.string().max(64).optional(),
    concurrency: int(1, 1000).optional(),
    maxAttempts: int(1, 100).optional(),
    leaseSeconds: int(1, 3600).optional(),
    timeoutSeconds: int(1, 900).optional(),
    canary: z.union([z.boolean(), int(1, MAX_CANARY_RANGES)]).optional(),
    rate: z
      .object({ rangesPerSecond: z.number().positive().max(100_000).optional(), rowsPerSecond: z.number().positive().max(1e12).optional() })
      .strict()
      .optional(),
    dryRun: z.boolean().optional(),
    incremental: z.boolean().optional(),
    params: json.optional(),
  })
  .strict();

function describe(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");
}

/** Largest `params`, as JSON: they travel in every range's queue message. */
export const MAX_PARAMS_BYTES = 16 * 1024;
/** Deepest nesting accepted in a body; deeper input is refused before it is parsed further. */
const MAX_DEPTH = 32;

/** Nesting depth of a JSON value, without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop() as [unknown, number];
    if (d > deepest) deepest = d;
    if (deepest > MAX_DEPTH) return deepest;
    if (v !== null && typeof v === "object") for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return deepest;
}

/** Validates a run body for `job`; throws a 400 with every problem listed. */
export function toRunSpec(body: unknown, job: Job<Json, unknown>, runId: string): RunSpec & { dryRun: boolean } {
  if (depthOf(body) > MAX_DEPTH) throw apiError(400, "invalid_body", `the body is nested deeper than ${MAX_DEPTH} levels`);
  const parsed = runBody.safeParse(body ?? {});
  if (!parsed.success) throw apiError(400, "invalid_body", describe(parsed.error));
  const o = parsed.data;
  const keys = keyTypeOf(job);
  const bound = (name: string, value: string | number | undefined) => {
    if (value === undefined) return undefined;
    const k = keys.parse(value);
    if (!k.ok) throw apiError(400, "invalid_body", `${name}: ${k.message}`);
    return k.key;
  };
  const start = bound("start", o.start);
  const end = bound("end", o.end);
  if (start !== undefined && end !== undefined && (keys.compare(start, end) ?? 0) > 0) {
    throw apiError(400, "invalid_body", `start (${start}) is greater than end (${end})`);
  }
  const split = o.split ?? job.split;
  if (!keys.splits.includes(split)) {
    throw apiError(400, "invalid_body", `split: a ${keys.name} key splits only ${keys.splits.map((x) => `"${x}"`).join(" or ")}`);
  }
  if (o.width !== undefined || split === "uniform") {
    const problem = split === "uniform" ? keys.checkWidth(o.width ?? job.width) : "width is only for split \"uniform\"";
    if (problem) throw apiError(400, "invalid_body", `width: ${problem}`);
  }
  if (o.params !== undefined && JSON.stringify(o.params).length > MAX_PARAMS_BYTES) {
    throw apiError(413, "params_too_large", `params are over ${MAX_PARAMS_BYTES} bytes as JSON; pass a reference (an id, a table) instead`);
  }
  if (o.incremental === true) {
    if (!job.incremental) {
      throw apiError(422, "incremental_unsupported", `job ${job.name} does not support incremental runs: a job declares them (incremental in defineJob), for integer and time keys only`);
    }
    if (start !== undefined || end !== undefined) throw apiError(400, "invalid_body", "incremental: an incremental run starts at the last run's watermark; it takes no start or end");
    if (o.dryRun) throw apiError(400, "invalid_body", "incremental: a dry run plans a full run; leave incremental out");
  }
  let params: Json | undefined = o.params;
  if (job.params) {
    const p = job.params.safeParse(o.params ?? undefined);
    if (!p.success) throw apiError(400, "invalid_params", describe(p.error));
    params = o.params;
  } else if (o.params !== undefined && o.params !== null) {
    throw apiError(400, "invalid_params", `job ${job.name} takes no params`);
  }
  return {
    runId,
    job: job.name,
    start,
    end,
    rowsPerRange: o.rowsPerRange,
    split: o.split,
    width: o.width,
    canary: o.canary,
    concurrency: o.concurrency,
    maxAttempts: o.maxAttempts,
    leaseSeconds: o.leaseSeconds,
    timeoutSeconds: o.timeoutSeconds,
    rate: o.rate,
    params,
    dryRun: o.dryRun ?? false,
    incremental: o.incremental,
  };
}
