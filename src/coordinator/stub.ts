/**
 * How the rest of the Worker reaches a run's Coordinator, and how run ids are
 * made. One Durable Object per run, addressed by its run id.
 */

import type { Coordinator } from "./coordinator";

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function isRunId(value: string): boolean {
  return RUN_ID.test(value);
}

/** The Coordinator's RPC surface as callers see it. */
export type CoordinatorRpc = Pick<Coordinator, "create" | "status" | "report" | "cancel" | "retry" | "ranges" | "strip" | "watch">;

/**
 * The stub for a run's Coordinator. The generated stub type maps every method
 * through `Rpc.Result`, which TypeScript cannot expand for the recursive `Json`
 * type; all our RPC values are structured-cloneable, so the class's own
 * signatures describe the stub exactly.
 */
export function coordinatorFor(env: Env, runId: string): CoordinatorRpc {
  return env.COORDINATOR.get(env.COORDINATOR.idFromName(runId)) as unknown as CoordinatorRpc;
}

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A fresh run id: a time prefix, so ids sort by creation, then randomness. */
export function newRunId(now = Date.now()): string {
  const random = crypto.getRandomValues(new Uint8Array(8));
  return `${now.toString(36)}-${hex(random.buffer)}`;
}

/** A run id derived from a key, so the same key always names the same run. */
export async function derivedRunId(kind: string, ...parts: string[]): Promise<string> {
  const data = new TextEncoder().encode([kind, ...parts].join("\n"));
  return `${kind}-${hex(await crypto.subtle.digest("SHA-256", data)).slice(0, 32)}`;
}
