/**
 * How the rest of the Worker reaches a run's Coordinator: one Durable Object
 * per run, addressed by its run id (see src/runs/run-id.ts).
 */
import type { Coordinator } from "./coordinator";

/** The Coordinator's RPC surface as callers see it. */
export type CoordinatorRpc = Pick<Coordinator, "create" | "status" | "lane" | "cancel" | "pause" | "resume" | "retry" | "ranges" | "strip" | "watch">;

/**
 * The stub for a run's Coordinator. The generated stub type maps every method
 * through `Rpc.Result`, which TypeScript cannot expand for the recursive `Json`
 * type; all our RPC values are structured-cloneable, so the class's own
 * signatures describe the stub exactly.
 */
export function coordinatorFor(env: Env, runId: string): CoordinatorRpc {
  return env.COORDINATOR.get(env.COORDINATOR.idFromName(runId)) as unknown as CoordinatorRpc;
}
