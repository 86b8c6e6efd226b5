/**
 * The cron trigger: starts a run of every job whose `schedule` is the cron
 * that fired.
 *
 * - The run id is derived from (job, scheduled time), so a duplicate delivery
 *   of the same trigger finds the run (or the skip) it already made.
 * - A job with a `scheduleWindow` (time keys) gets the window before its
 *   scheduled time, end excluded (schedule-window.ts).
 * - Overlap policy (the job's `overlap`, default `"skip"`): while the job's
 *   previous run is still going, nothing is started and a `skipped` entry is
 *   recorded in the run history instead. "Still going" is asked of the
 *   previous run's Coordinator, not taken from the index alone, so a missed
 *   index update cannot block a job's schedule for good.
 * - An incremental job's scheduled run is incremental by default
 *   (docs/incremental.md); while its previous incremental run is going, the
 *   job's chain object refuses it and it is recorded as skipped, whatever
 *   `overlap` says.
 */
import { coordinatorFor } from "../coordinator/stub";
import { isActive, type HistoryEntry } from "../history/entry";
import { recordRun, runIndexFor } from "../history/record";
import type { Job, Json } from "../jobs/define";
import { listJobs } from "../jobs/registry";
import { normalizeCron } from "../jobs/schedule";
import { log, logError } from "../lib/log";
import { scheduledRunId } from "./run-id";
import { previousWindow } from "./schedule-window";
import { startRun } from "./start";

export type ScheduledOutcome = { job: string; runId: string; outcome: "started" | "skipped" | "duplicate" };

/** Most unfinished runs of one job looked at by the overlap check. */
const ACTIVE_LOOKUP = 10;

export async function handleScheduled(controller: ScheduledController, env: Env): Promise<ScheduledOutcome[]> {
  const cron = normalizeCron(controller.cron);
  const due = listJobs().filter((job) => job.schedule !== undefined && normalizeCron(job.schedule) === cron);
  if (due.length === 0) log("cron fired with no job scheduled on it", { cron });
  const settled = await Promise.allSettled(due.map((job) => startScheduled(env, job, controller.scheduledTime)));
  const outcomes: ScheduledOutcome[] = [];
  const failed: string[] = [];
  settled.forEach((s, i) => {
    const job = due[i]?.name ?? "";
    if (s.status === "fulfilled") outcomes.push(s.value);
    else {
      failed.push(job);
      logError("scheduled run not started", { job, cron, error: s.reason instanceof Error ? s.reason.message : String(s.reason) });
    }
  });
  // Failing the invocation makes the failure visible in the cron's history.
  if (failed.length > 0) throw new Error(`scheduled runs not started: ${failed.join(", ")}`);
  return outcomes;
}

async function startScheduled(env: Env, job: Job<Json, unknown>, scheduledTime: number): Promise<ScheduledOutcome> {
  const slot = new Date(scheduledTime).toISOString();
  const runId = await scheduledRunId(job.name, slot);
  const index = runIndexFor(env);
  if (await index.get(runId)) {
    log("scheduled run already handled", { runId, job: job.name });
    return { job: job.name, runId, outcome: "duplicate" };
  }
  if ((job.overlap ?? "skip") === "skip") {
    const previous = await stillRunning(env, job.name, runId);
    if (previous) {
      const note = `the run scheduled for ${slot} was skipped: the previous run ${previous} was still running`;
      const recorded = await index.recordSkip({ runId, job: job.name, note, at: Date.now() });
      log("scheduled run skipped", { runId, job: job.name, previous });
      return { job: job.name, runId, outcome: recorded ? "skipped" : "duplicate" };
    }
  }
  const window = job.scheduleWindow === undefined ? {} : previousWindow(job.keyType, job.scheduleWindow, scheduledTime);
  const started = await startRun(env, { runId, job: job.name, ...window }, true);
  if (!started.ok && started.error.code === "run_in_progress") {
    // An incremental job's previous incremental run is still going, whatever `overlap` says.
    const note = `the run scheduled for ${slot} was skipped: ${started.error.message}`;
    const recorded = await index.recordSkip({ runId, job: job.name, note, at: Date.now() });
    log("scheduled run skipped", { runId, job: job.name, reason: started.error.code });
    return { job: job.name, runId, outcome: recorded ? "skipped" : "duplicate" };
  }
  if (!started.ok) throw new Error(`${started.error.code}: ${started.error.message}`);
  return { job: job.name, runId, outcome: started.value.created ? "started" : "duplicate" };
}

/** The id of another run of `job` that its Coordinator says is still going, if any. */
async function stillRunning(env: Env, job: string, self: string): Promise<string | null> {
  for (const entry of await runIndexFor(env).active(job, ACTIVE_LOOKUP)) {
    if (entry.runId === self) continue;
    const status = await coordinatorFor(env, entry.runId).status();
    if (status && isActive(status.status)) return entry.runId;
    if (status) await recordRun(env, repaired(entry, status.status, status.rows, status.updatedAt, status.finishedAt));
  }
  return null;
}

/** The index missed this run's end; bring its entry up to date. */
function repaired(entry: HistoryEntry, status: HistoryEntry["status"], rows: number, updatedAt: string, finishedAt: string | null): HistoryEntry {
  return { ...entry, status, rows, updatedAt: Date.parse(updatedAt), finishedAt: finishedAt === null ? null : Date.parse(finishedAt) };
}
