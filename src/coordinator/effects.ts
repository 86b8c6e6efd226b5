/**
 * The Coordinator's side of exactly-once effects (docs/exactly-once.md): the
 * records table is made ready when a run is planned, and a finished run's
 * records are deleted once no attempt of it can still be in flight and no
 * `retry` can still need them.
 */
import { deleteEffects, EffectsTableUnavailable, ensureEffectsTable } from "../db/effects";
import type { DbEnv } from "../db/connector";
import type { AnyJob } from "../jobs/define";
import { failure, type Outcome } from "../lib/domain-error";
import { describeError } from "../lib/errors";
import { log, logError } from "../lib/log";
import type { RunRow } from "./ledger";

/** Added to the longest an attempt can outlive the run's end (a lease, then its timeout) before records go. */
export const EFFECTS_MARGIN_MS = 60_000;
/** A failed run can be retried; its records are kept this long after it failed, and a retry after that is refused. */
export const FAILED_RUN_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** A delete that failed (the database was down) is tried again after this long. */
const DELETE_RETRY_MS = 60_000;

/** Before planning a run of `job`: the records table exists and the role may use it. */
export async function prepareEffects(env: DbEnv, job: AnyJob): Promise<Outcome<null>> {
  if (job.writes !== "exactly-once") return { ok: true, value: null };
  try {
    await ensureEffectsTable(env);
    return { ok: true, value: null };
  } catch (err) {
    if (err instanceof EffectsTableUnavailable) return failure("effects_table_unavailable", err.message);
    const d = describeError(err);
    logError("effects table check failed", { error: d.message, code: d.code });
    return failure("database_unavailable", `could not check the exactly-once records table: the database is unavailable (${d.code ?? "connection failed"})`);
  }
}

/**
 * When a finished run's records may be deleted; null when it has none, they
 * are gone, or it is not finished. Any attempt of the run began under a lease
 * that ended by the time the run finished plus one lease, and its
 * transaction ends within its timeout: past that (and a margin), no attempt
 * can still commit or need the records. A failed run keeps them for
 * FAILED_RUN_RETENTION_MS, while `retry` may run its failed ranges again.
 */
export function effectsDeleteAt(run: RunRow): number | null {
  if (run.effects !== 1 || run.effects_deleted_at !== null || run.finished_at === null) return null;
  const quiet = run.finished_at + run.lease_ms + run.timeout_ms + EFFECTS_MARGIN_MS;
  return run.status === "failed" ? Math.max(quiet, run.finished_at + FAILED_RUN_RETENTION_MS) : quiet;
}

/**
 * A failed run's records are gone for `retry`: deleted, or due to be (the
 * alarm's delete may be under way), so a retry could write twice.
 */
export function recordsGone(run: RunRow, now: number): boolean {
  const deleteAt = effectsDeleteAt(run);
  return run.effects_deleted_at !== null || (deleteAt !== null && now >= deleteAt);
}

/** Deletes the records if their time has come. Returns when to look again (null: never). */
export async function cleanEffects(env: DbEnv, run: RunRow, now: number, markDeleted: (now: number) => void): Promise<number | null> {
  const at = effectsDeleteAt(run);
  if (at === null) return null;
  if (at > now) return at;
  try {
    const deleted = await deleteEffects(env, run.nonce);
    markDeleted(Date.now());
    log("exactly-once records deleted", { runId: run.run_id, records: deleted });
    return null;
  } catch (err) {
    logError("deleting exactly-once records failed; trying again later", { runId: run.run_id, error: describeError(err).message });
    return now + DELETE_RETRY_MS;
  }
}
