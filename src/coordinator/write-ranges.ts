/**
 * Writing a plan's ranges into the ledger: chunk by chunk, each chunk in a
 * transaction of its own, so a million ranges never sit in memory or in one
 * transaction, with a yield between chunks so that other calls (a status, a
 * duplicate create) get in. Each range gets its position in key order, and
 * the first `canary` ranges form the canary window.
 */
import type { PlannedRange } from "../planning/keys/key-type";
import type { Ledger, NewRange } from "./ledger";
import { NULL_POS, planPos } from "./positions";

/** Ranges written to the ledger per transaction while a run is planned. */
export const PLAN_CHUNK = 10_000;

function ledgerRange(r: PlannedRange, pos: string): NewRange {
  const about = { pos, oversized: r.oversized === true, estimate: r.estimate ?? null };
  return r.nulls
    ? { start: "", end: "", endExclusive: false, nulls: true, ...about }
    : { start: r.start, end: r.end, endExclusive: r.endExclusive, nulls: false, ...about };
}

/**
 * Empties the ranges table (what a create that did not finish left) and
 * writes `ranges`. Returns false, having stopped, when `superseded()` says
 * another call created the run in the meantime.
 */
export async function writeRanges(
  storage: DurableObjectStorage,
  ledger: Ledger,
  ranges: Iterable<PlannedRange>,
  canary: number,
  superseded: () => boolean,
): Promise<boolean> {
  ledger.clearRanges();
  let chunk: NewRange[] = [];
  let inserted = 0;
  const flush = () => {
    if (!chunk.length) return;
    const rows = chunk;
    const canaryRows = Math.max(0, Math.min(rows.length, canary - inserted));
    storage.transactionSync(() => {
      ledger.insertRanges(rows.slice(0, canaryRows), null, true);
      ledger.insertRanges(rows.slice(canaryRows));
    });
    inserted += rows.length;
    chunk = [];
  };
  for (const r of ranges) {
    chunk.push(ledgerRange(r, r.nulls ? NULL_POS : planPos(inserted + chunk.length)));
    if (chunk.length >= PLAN_CHUNK) {
      flush();
      await scheduler.wait(0);
      if (superseded()) return false;
    }
  }
  flush();
  return true;
}
