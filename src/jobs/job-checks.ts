/**
 * The checks `defineJob` runs on a job's fields at load time, one per field
 * that needs more than a type: each returns the field's value or throws a
 * TypeError naming the job and the field, so a bad definition fails the
 * deploy (and the tests) rather than a run.
 */
import type { KeyType, Split } from "../planning/keys/key-type";
import type { IncrementalConfig, Job, JobConfig, Json, Rate } from "./define";

/** Largest explicit canary, in ranges (the run body takes the same). */
export const MAX_CANARY_RANGES = 1_000_000;

function rowsField(result: Json): unknown {
  return result !== null && typeof result === "object" && !Array.isArray(result) ? result["rows"] : undefined;
}

/** `rowsOf` for a job that does not give one: the result's `rows`, which must be there. */
export function defaultRowsOf(name: string, initial: Json): (result: Json) => number {
  if (typeof rowsField(initial) !== "number") {
    throw new TypeError(
      `job ${name}: its result has no numeric "rows" field (combine.initial() gave ${JSON.stringify(initial)}), so give the job a rowsOf(result)`,
    );
  }
  return (result) => {
    const rows = rowsField(result);
    if (typeof rows !== "number") throw new TypeError(`job ${name}: a result has no numeric "rows" field`);
    return rows;
  };
}

export function positiveInt(name: string, field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError(`job ${name}: ${field} must be a positive integer`);
  }
  return value;
}

export function rateOf(name: string, rate: Rate): Rate {
  for (const [field, value] of Object.entries(rate)) {
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new TypeError(`job ${name}: rate.${field} must be a positive number`);
    }
  }
  return rate;
}

export function splitOf(name: string, value: string): Split {
  if (value !== "uniform" && value !== "balanced") {
    throw new TypeError(`job ${name}: split must be "uniform" or "balanced", got ${JSON.stringify(value)}`);
  }
  return value;
}

export function writesOf(name: string, value: string | undefined): JobConfig<Json, unknown>["writes"] {
  if (value !== undefined && value !== "exactly-once" && value !== "at-least-once") {
    throw new TypeError(`job ${name}: writes must be "exactly-once" or "at-least-once", got ${JSON.stringify(value)}`);
  }
  return value;
}

export function canaryOf(name: string, value: boolean | number): boolean | number {
  if (typeof value === "boolean") return value;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_CANARY_RANGES) {
    throw new TypeError(`job ${name}: canary must be true, false or a number of ranges from 1 to ${MAX_CANARY_RANGES}`);
  }
  return value;
}

export function incrementalOf(name: string, keys: KeyType, config: true | IncrementalConfig | undefined): Job["incremental"] {
  if (config === undefined) return null;
  if (!keys.incremental) throw new TypeError(`job ${name}: incremental runs are for integer and time keys, not ${keys.name}`);
  const c = config === true ? {} : config;
  const margin = c.margin ?? keys.incremental.defaultMargin;
  const problem = keys.incremental.checkMargin(margin);
  if (problem) throw new TypeError(`job ${name}: incremental.margin: ${problem}`);
  const reconcileEvery = c.reconcileEvery === undefined ? null : positiveInt(name, "incremental.reconcileEvery", c.reconcileEvery);
  return { margin, reconcileEvery, version: c.version ?? null };
}
