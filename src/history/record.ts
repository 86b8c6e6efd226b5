/**
 * How the rest of the Worker reaches the run index, and how a Coordinator
 * reports its run to it.
 *
 * Recording is best effort by design: the Coordinator's ledger is the source
 * of truth, the index is a view of it. A failed update is retried a few times
 * and then logged; it never fails the run. Readers that act on the index
 * (the cron overlap check) confirm active runs with their Coordinator.
 */
import type { RunRow } from "../coordinator/ledger";
import { logError } from "../lib/log";
import { chainOf } from "../incremental/run-chain";
import type { HistoryEntry } from "./entry";
import type { RunIndex } from "./run-index";

/** The index's RPC surface as callers see it (see coordinatorFor for why the cast). */
export type RunIndexRpc = Pick<RunIndex, "upsert" | "recordSkip" | "get" | "active" | "list">;

/** All runs share one index object. */
export function runIndexFor(env: Env): RunIndexRpc {
  return env.RUN_INDEX.get(env.RUN_INDEX.idFromName("runs")) as unknown as RunIndexRpc;
}

export function historyEntry(run: RunRow): HistoryEntry {
  const chain = chainOf(run);
  return {
    incremental: chain && { mode: chain.mode, baseRunId: chain.baseRunId, reconciliation: chain.reconciliation?.outcome ?? null },
    runId: run.run_id,
    job: run.job,
    status: run.status,
    rows: run.rows,
    note: run.error,
    createdAt: run.created_at,
    updatedAt: run.updated_at,
    finishedAt: run.finished_at,
  };
}

const ATTEMPTS = 3;
const BACKOFF_MS = 100;

/** Sends the entry to the index, retrying briefly. Never throws. */
export async function recordRun(env: Env, entry: HistoryEntry): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await runIndexFor(env).upsert(entry);
      return;
    } catch (err) {
      if (attempt >= ATTEMPTS) {
        logError("run history not updated", {
          runId: entry.runId,
          status: entry.status,
          error: err instanceof Error ? err.message : String(err),
        });
        return;
      }
      await new Promise((r) => setTimeout(r, BACKOFF_MS * 4 ** (attempt - 1)));
    }
  }
}
