/**
 * `/api/runs`: the run history (newest first, from the run index), and per
 * run its status, its ledger, cancel, pause, resume and retry.
 */
import { JOB_NAME } from "../jobs/define";
import { Hono } from "hono";
import { coordinatorFor } from "../coordinator/stub";
import { isRunId } from "../runs/run-id";
import type { RangeState } from "../coordinator/types";
import { apiError, domainError } from "./errors";
import { decodeCursor, HISTORY_STATUSES, type HistoryStatus } from "../history/entry";
import { runIndexFor } from "../history/record";
import { DEFAULT_BINS, MAX_BINS } from "../coordinator/strip";

export const runsRoutes = new Hono<{ Bindings: Env }>();

function runIdParam(value: string): string {
  if (!isRunId(value)) throw apiError(404, "run_not_found", "no such run");
  return value;
}

const MAX_HISTORY_PAGE = 100;

runsRoutes.get("/", async (c) => {
  const job = c.req.query("job") ?? null;
  if (job !== null && !JOB_NAME.test(job)) throw apiError(400, "invalid_query", "job must be a job name");
  const status = c.req.query("status") ?? null;
  if (status !== null && !HISTORY_STATUSES.includes(status as HistoryStatus)) {
    throw apiError(400, "invalid_query", `status must be one of ${HISTORY_STATUSES.join(", ")}`);
  }
  const limit = intQuery(c.req.query("limit"), "limit", 20, 1, MAX_HISTORY_PAGE);
  const rawCursor = c.req.query("cursor");
  const cursor = rawCursor === undefined ? null : decodeCursor(rawCursor);
  if (rawCursor !== undefined && cursor === null) throw apiError(400, "invalid_query", "cursor is not one this API returned");
  return c.json(await runIndexFor(c.env).list({ job, status: status as HistoryStatus | null, limit, cursor }));
});

runsRoutes.get("/:runId", async (c) => {
  const runId = runIdParam(c.req.param("runId"));
  const status = await coordinatorFor(c.env, runId).status();
  if (!status) throw apiError(404, "run_not_found", `no run ${runId}`);
  return c.json(status);
});

runsRoutes.post("/:runId/cancel", async (c) => {
  const runId = runIdParam(c.req.param("runId"));
  const result = await coordinatorFor(c.env, runId).cancel();
  if (!result.ok) throw domainError(result.error);
  return c.json(result.value.run);
});

// Pause and resume (src/coordinator/pause.ts): idempotent; 409 for a finished run.
for (const action of ["pause", "resume"] as const) {
  runsRoutes.post(`/:runId/${action}`, async (c) => {
    const runId = runIdParam(c.req.param("runId"));
    const result = await coordinatorFor(c.env, runId)[action]();
    if (!result.ok) throw domainError(result.error);
    return c.json(result.value.run);
  });
}

runsRoutes.post("/:runId/retry", async (c) => {
  const runId = runIdParam(c.req.param("runId"));
  const result = await coordinatorFor(c.env, runId).retry();
  if (!result.ok) throw domainError(result.error);
  return c.json(result.value.run);
});

const RANGE_STATES = new Set<RangeState>(["pending", "running", "done", "failed", "split", "dropped"]);
const MAX_PAGE = 1000;

runsRoutes.get("/:runId/ranges", async (c) => {
  const runId = runIdParam(c.req.param("runId"));
  const status = c.req.query("status") ?? null;
  if (status !== null && !RANGE_STATES.has(status as RangeState)) {
    throw apiError(400, "invalid_query", `status must be one of ${[...RANGE_STATES].join(", ")}`);
  }
  const limit = intQuery(c.req.query("limit"), "limit", 100, 1, MAX_PAGE);
  const cursor = intQuery(c.req.query("cursor"), "cursor", -1, -1, Number.MAX_SAFE_INTEGER);
  const page = await coordinatorFor(c.env, runId).ranges(status as RangeState | null, cursor, limit);
  if (!page) throw apiError(404, "run_not_found", `no run ${runId}`);
  return c.json({ runId, ...page });
});

// The dashboard's range strip: per-bin status counts in key order (see coordinator/strip.ts).
runsRoutes.get("/:runId/strip", async (c) => {
  const runId = runIdParam(c.req.param("runId"));
  const bins = intQuery(c.req.query("bins"), "bins", DEFAULT_BINS, 1, MAX_BINS);
  const strip = await coordinatorFor(c.env, runId).strip(bins);
  if (!strip) throw apiError(404, "run_not_found", `no run ${runId}`);
  return c.json({ runId, ...strip });
});

// Live status as Server-Sent Events (`event: status`), pushed by the Coordinator; ends after the final status.
runsRoutes.get("/:runId/events", async (c) => {
  const runId = runIdParam(c.req.param("runId"));
  const stream = await coordinatorFor(c.env, runId).watch();
  if (!stream) throw apiError(404, "run_not_found", `no run ${runId}`);
  if (!stream.ok) throw domainError(stream.error);
  return new Response(stream.value, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform" },
  });
});

function intQuery(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw apiError(400, "invalid_query", `${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}
