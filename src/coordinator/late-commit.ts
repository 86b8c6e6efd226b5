/**
 * The ledger rule for a split range whose own writes committed late
 * (exactly-once jobs; docs/exactly-once.md, "Ancestors committed late").
 *
 * A range that timed out or lost its lease may have been split while its
 * attempt was still committing. Its descendants then find its record in the
 * user's database, do not run, and report its recorded result with
 * `recordedBy` naming it. The first such report folds that result once, for
 * the ancestor: the ancestor goes from `split` to `done`, and every one of its
 * descendants, whatever its state, becomes `dropped`. Any later report naming
 * it finds it `done` and changes nothing.
 *
 * A descendant that is already `done` cannot exist (its attempt checked the
 * ancestor's record under a lock the ancestor's attempt also needed); if the
 * ledger ever showed one, folding the ancestor would count its rows twice, so
 * the report is refused and logged instead.
 */
import { logError, log } from "../lib/log";
import type { Ledger, RangeRow, RunRow } from "./ledger";

export type LateCommit = { fold: true; dropped: number[] } | { fold: false };

/** Whether the result recorded by `ancestor` may be folded now; if so, its descendants are dropped. Call inside the fold's transaction. */
export function acceptLateCommit(ledger: Ledger, run: RunRow, ancestor: RangeRow | undefined, now: number, doneInBatch: ReadonlySet<number> = new Set()): LateCommit {
  if (!ancestor || ancestor.status !== "split") return { fold: false };
  const descendants = ledger.descendants(ancestor.id);
  // Done in the ledger, or folded earlier in this same batch (marked done when the batch is written).
  const done = descendants.filter((d) => d.status === "done" || doneInBatch.has(d.id)).map((d) => d.id);
  if (done.length) {
    logError("late commit not folded: a descendant is already done", { runId: run.run_id, rangeId: ancestor.id, done: done.join(",") });
    return { fold: false };
  }
  const dropped = descendants.map((d) => d.id);
  ledger.dropRanges(dropped, now);
  log("split range committed late; its result is folded and its descendants dropped", { runId: run.run_id, rangeId: ancestor.id, dropped: dropped.length });
  return { fold: true, dropped };
}
