/**
 * `/api/runs/:runId`: a run's status, and cancelling it.
 */
import { Hono } from "hono";
import { coordinatorFor, isRunId } from "../coordinator/stub";
import { apiError } from "./errors";

export const runsRoutes = new Hono<{ Bindings: Env }>();

function runIdParam(value: string): string {
  if (!isRunId(value)) throw apiError(404, "run_not_found", "no such run");
  return value;
}

runsRoutes.get("/:runId", async (c) => {
  const runId = runIdParam(c.req.param("runId"));
  const status = await coordinatorFor(c.env, runId).status();
  if (!status) throw apiError(404, "run_not_found", `no run ${runId}`);
  return c.json(status);
});

runsRoutes.post("/:runId/cancel", async (c) => {
  const runId = runIdParam(c.req.param("runId"));
  const result = await coordinatorFor(c.env, runId).cancel();
  if (!result.ok) throw apiError(result.error.status, result.error.code, result.error.message);
  return c.json(result.run);
});
