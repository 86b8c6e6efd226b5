/**
 * Runs a job's health check on a lane's connection, between two ranges, when
 * the Coordinator asks (src/coordinator/health.ts says when and why there).
 * The check is bracketed like a range (the session protocol, statement
 * guard, the range timeout) in a transaction that is always rolled back; a
 * check that throws or
 * times out counts as unhealthy, with its error as the reason.
 */
import { sqlOf, type Queryable } from "../db/sql";
import { guardStatement } from "../db/statement-guard";
import type { AnyJob } from "../jobs/define";
import { CodedError, describeError } from "../lib/errors";
import type { HealthVerdict } from "../coordinator/types";
import type { Lane } from "./lane";

export async function runHealthCheck(lane: Lane, job: AnyJob, params: unknown, timeoutMs: number): Promise<HealthVerdict> {
  const check = job.healthCheck;
  if (!check) return { healthy: true, reason: null };
  const controller = new AbortController();
  const timeout = new CodedError("health_check_timeout", `the health check ran longer than ${timeoutMs} ms`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(timeout);
      reject(timeout);
    }, timeoutMs);
  });
  const signal = controller.signal;
  const queryable: Queryable = {
    query: async (text, values) => {
      if (signal.aborted) throw signal.reason;
      guardStatement(text);
      return lane.query(text, values);
    },
  };
  lane.beginRange(timeoutMs, true);
  try {
    const health = await Promise.race([check({ sql: sqlOf(queryable), params, signal }), expired]);
    await lane.endRange(false);
    return { healthy: health.healthy === true, reason: health.reason ?? null };
  } catch (err) {
    const { code, message } = describeError(err);
    // As after a failed range: nothing the check left behind reaches the next range.
    if (code === "health_check_timeout") await lane.settle(timeoutMs);
    await lane.reset();
    return { healthy: false, reason: `it threw: ${message}` };
  } finally {
    clearTimeout(timer);
  }
}
