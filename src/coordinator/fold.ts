/**
 * The fold: a batch of range reports applied to the ledger in the caller's
 * transaction. A success merges into the accumulator and marks its range
 * done together (DESIGN invariant 2); reports for ranges already done,
 * failed, split or dropped change nothing; a descendant's report of a
 * split ancestor's late commit folds the ancestor once (late-commit.ts); a failure of the live attempt goes to the
 * failure policy (failures.ts), and the batch's verdict to the governor.
 */
import type { Combine, Json } from "../jobs/define";
import { policyOf } from "../lib/error-policy";
import { messageOf } from "../lib/errors";
import { logError } from "../lib/log";
import type { KeyType } from "../planning/keys/key-type";
import { failAttempt } from "./failures";
import { governConcurrency } from "./governor";
import { acceptLateCommit } from "./late-commit";
import type { Ledger, RunRow } from "./ledger";
import type { RangeReport } from "./types";

/** What one batch of reports did to the ledger. */
export interface ReportOutcome {
  folded: number;
  retried: number;
  failed: number;
  split: number;
  ignored: number;
}

export function applyReports(
  keys: KeyType,
  ledger: Ledger,
  run: RunRow,
  reports: readonly RangeReport[],
  combine: Combine<Json>,
  now: number,
): ReportOutcome {
  const outcome: ReportOutcome = { folded: 0, retried: 0, failed: 0, split: 0, ignored: 0 };
  const ranges = ledger.rangesById(reports.flatMap((r) => (r.ok && r.recordedBy !== undefined ? [r.rangeId, r.recordedBy] : [r.rangeId])));
  const done: Array<{ id: number; rows: number; durationMs: number }> = [];
  /** Ranges this batch already decided: a second report of one in the same batch changes nothing. */
  const decided = new Set<number>();
  let acc: Json | undefined;
  let rows = 0;
  let overload = false;
  for (const report of reports) {
    if (report.ok && report.recordedBy !== undefined && report.recordedBy !== report.rangeId) {
      // A split ancestor's late commit, found by a descendant: folded once, for the ancestor (late-commit.ts).
      const ancestor = ranges.get(report.recordedBy);
      let merged: Json | undefined;
      try {
        merged = combine.merge(acc ?? (JSON.parse(run.accumulator) as Json), report.result);
      } catch (err) {
        logError("a recorded result does not combine", { runId: run.run_id, rangeId: report.recordedBy, error: messageOf(err) });
      }
      const late = merged === undefined || decided.has(report.recordedBy) ? { fold: false as const } : acceptLateCommit(ledger, run, ancestor, now, new Set(done.map((d) => d.id)));
      if (!ancestor || !late.fold) {
        outcome.ignored++;
        continue;
      }
      acc = merged;
      rows += report.rows;
      for (const id of [ancestor.id, ...late.dropped]) decided.add(id);
      done.push({ id: ancestor.id, rows: report.rows, durationMs: report.durationMs });
      outcome.folded++;
      continue;
    }
    const range = ranges.get(report.rangeId);
    const open = range !== undefined && (range.status === "running" || range.status === "pending") && !decided.has(report.rangeId);
    if (!open) {
      outcome.ignored++;
    } else if (report.ok) {
      // The consumer checked the result folds; if merge still throws, only this
      // range fails: the rest of the batch is folded.
      let merged: Json;
      try {
        merged = combine.merge(acc ?? (JSON.parse(run.accumulator) as Json), report.result);
      } catch (err) {
        const message = `the result does not combine: ${messageOf(err)}`;
        decided.add(range.id);
        outcome[failAttempt(keys, ledger, run, range, { code: "job_error", message, durationMs: report.durationMs }, now)]++;
        continue;
      }
      acc = merged;
      rows += report.rows;
      decided.add(range.id);
      done.push({ id: range.id, rows: report.rows, durationMs: report.durationMs });
      outcome.folded++;
    } else if (range.status !== "running" || report.attempt !== range.attempt) {
      outcome.ignored++; // a superseded attempt; the live one decides
    } else {
      const { code, message, cut } = report.error;
      overload ||= policyOf(code).overload;
      decided.add(range.id);
      outcome[failAttempt(keys, ledger, run, range, { code, message, durationMs: report.durationMs, cut }, now)]++;
    }
  }
  // The fold and the ranges' `done` are written in the caller's transaction, together.
  ledger.markDoneMany(done, now);
  if (acc !== undefined) ledger.saveAccumulator(JSON.stringify(acc), rows, now);
  governConcurrency(ledger, run, overload, outcome.folded, now);
  return outcome;
}
