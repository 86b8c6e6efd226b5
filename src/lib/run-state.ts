/**
 * A run's lifecycle states, and which are final. A leaf module with no
 * imports, so the Worker, the CLI and the dashboard's browser bundle all read
 * the one definition.
 */

/**
 * A run is planned inside the request that creates it, so it is `running`
 * from the moment it exists. `paused` (by hand, `POST /api/runs/:runId/pause`)
 * is not finished: nothing new starts until it is resumed.
 */
export type RunState = "running" | "paused" | "succeeded" | "failed" | "cancelled";

/**
 * A run in one of these states changes no more (until a retry).
 *
 * @example isFinished("cancelled") // true
 */
export function isFinished(status: string): boolean {
  return status === "succeeded" || status === "failed" || status === "cancelled";
}
