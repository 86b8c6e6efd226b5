/**
 * The CLI's command line: parsing it, and turning `run`'s flags into the body
 * of `POST /api/jobs/:job/runs`. Anything malformed is a UsageError (exit 2)
 * before a request is made, so a typo never starts a run with defaults.
 */
import { parseArgs } from "node:util";

export class UsageError extends Error {}

export type Flags = ReturnType<typeof parse>["values"];

export function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        start: { type: "string" },
        end: { type: "string" },
        "rows-per-range": { type: "string" },
        concurrency: { type: "string" },
        split: { type: "string" },
        width: { type: "string" },
        params: { type: "string" },
        "no-canary": { type: "boolean" },
        incremental: { type: "boolean" },
        "dry-run": { type: "boolean" },
        watch: { type: "boolean" },
        json: { type: "boolean" },
        job: { type: "string" },
        status: { type: "string" },
        limit: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

export function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < 1) {
    throw new UsageError(`--${name} must be a positive integer, got "${value}"`);
  }
  return Number(value);
}

/** A key bound, passed on as text: the API parses it in the job's key type (ids may exceed 2^53; UUIDs, timestamps, text). */
function key(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (value === "") throw new UsageError(`--${name} needs a key`);
  return value;
}

/** The run options given as flags; the API fills in the rest from the job's defaults. */
export function runBody(v: Flags): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const set = (k: string, value: unknown) => value !== undefined && (body[k] = value);
  set("start", key(v.start, "start"));
  set("end", key(v.end, "end"));
  set("rowsPerRange", positiveInt(v["rows-per-range"], "rows-per-range"));
  set("concurrency", positiveInt(v.concurrency, "concurrency"));
  if (v.split !== undefined && v.split !== "uniform" && v.split !== "balanced") {
    throw new UsageError(`--split must be uniform or balanced, got "${v.split}"`);
  }
  set("split", v.split);
  set("width", v.width);
  if (v.params !== undefined) {
    try {
      body["params"] = JSON.parse(v.params) as unknown;
    } catch {
      throw new UsageError("--params must be JSON");
    }
  }
  if (v["no-canary"]) body["canary"] = false;
  if (v.incremental) body["incremental"] = true;
  return body;
}

/** The command's one positional argument (a job name or a run id). */
export function need(positionals: string[], what: string): string {
  const value = positionals[1];
  if (!value) throw new UsageError(`${positionals[0]} needs ${what}`);
  return value;
}
