/**
 * The fold (DESIGN invariant 2), in the Coordinator's real SQLite storage and
 * through its lane calls: each range's result is folded exactly once, so
 * duplicate, late and stale reports change nothing; a transient failure is
 * retried and a permanent one fails the range.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { coordinatorFor } from "../src/coordinator/stub";
import { applyReports } from "../src/coordinator/fold";
import { Ledger } from "../src/coordinator/ledger";
import { migrate } from "../src/coordinator/schema";
import type { RangeReport } from "../src/coordinator/types";
import { getJob } from "../src/jobs/registry";
import { planUniform } from "../src/planning/uniform";
import { integerKey } from "../src/planning/keys/integer";
import { getRun, ordersTruth, startRun, waitForRun, ledgerRanges } from "./helpers";

const ok = (rangeId: number, attempt: number, rows: number, total: string): RangeReport => ({
  rangeId, attempt, ok: true, result: { rows, totalAmount: total }, rows, durationMs: 1,
});

const ordersTotal = getJob("orders-total");
if (!ordersTotal) throw new Error("orders-total is not registered");
const job = ordersTotal;

/** A run of `[1, end]` in ranges of 10 keys, in a fresh Coordinator's storage. */
function seedLedger(state: DurableObjectState, end: bigint, concurrency: number) {
  migrate(state.storage.sql);
  const ledger = new Ledger(state.storage.sql);
  ledger.insertRun({
    run_id: "t", job: job.name, status: "running", phase: "main", bounds_start: "1", bounds_end: end.toString(),
    snapshot_end: 0, split: "uniform", canary_ranges: 0, rows_per_range: 10, concurrency, max_attempts: 3, lease_ms: 60_000, timeout_ms: 30_000,
    params: "null", accumulator: JSON.stringify(job.combine.initial()), created_at: 0, planning_ms: null, key_type: "integer", bounds_end_exclusive: 0,
  });
  ledger.insertRanges(ledgerRanges(planUniform(1n, end, 10n)));
  const apply = (reports: RangeReport[], now: number) => {
    const run = ledger.run();
    if (!run) throw new Error("no run");
    return applyReports(integerKey, ledger, run, reports, job.combine, now);
  };
  return { ledger, apply };
}

describe("applyReports", () => {
  it("does not fold a split ancestor's late commit over a descendant folded earlier in the same batch", async () => {
    const stub = env.COORDINATOR.get(env.COORDINATOR.idFromName(`late-${crypto.randomUUID()}`));
    await runInDurableObject(stub, (_instance, state) => {
      const { ledger, apply } = seedLedger(state, 30n, 3);
      // Range 0 was split in two (3 and 4); both halves are leased.
      ledger.lease(1, 0, 60_000, 1);
      ledger.markSplit(0, "range_timeout", "split", 1);
      ledger.insertRanges(ledgerRanges([{ start: 1n, end: 5n }, { start: 6n, end: 10n }]), 0, false, 1);
      ledger.lease(4, 2, 60_000, 1);
      // Half 3 folds its own result; half 4 reports that range 0 itself committed late.
      const outcome = state.storage.transactionSync(() =>
        apply([ok(3, 1, 5, "0.50"), { rangeId: 4, attempt: 1, ok: true, result: { rows: 10, totalAmount: "1.10" }, rows: 10, durationMs: 1, recordedBy: 0 }], 3),
      );
      expect(outcome).toMatchObject({ folded: 1, ignored: 1 });
      expect(ledger.run()?.rows).toBe(5);
      expect(ledger.range(0)?.status).toBe("split");
      expect(ledger.range(3)?.status).toBe("done");
    });
  });

  it("folds each range once, whatever arrives twice or late", async () => {
    const stub = env.COORDINATOR.get(env.COORDINATOR.idFromName(`ledger-${crypto.randomUUID()}`));
    await runInDurableObject(stub, (_instance, state) => {
      const { ledger, apply } = seedLedger(state, 30n, 3);
      expect(ledger.lease(3, 0, 60_000, 1).map((r) => r.attempt)).toEqual([1, 1, 1]);

      const first = state.storage.transactionSync(() =>
        apply([ok(0, 1, 10, "1.10"), ok(0, 1, 10, "1.10"), ok(1, 1, 10, "2.20")], 1),
      );
      expect(first).toEqual({ folded: 2, retried: 0, failed: 0, split: 0, ignored: 1 });
      const again = state.storage.transactionSync(() =>
        apply([ok(1, 1, 10, "2.20"), ok(0, 2, 10, "1.10")], 2),
      );
      expect(again).toEqual({ folded: 0, retried: 0, failed: 0, split: 0, ignored: 2 });

      // A failure from a superseded attempt does not undo a live lease.
      const stale = state.storage.transactionSync(() =>
        apply(
          [{ rangeId: 2, attempt: 0, ok: false, error: { code: null, message: "old" }, durationMs: 1 }],
          3,
        ),
      );
      expect(stale.ignored).toBe(1);
      state.storage.transactionSync(() => apply([ok(2, 1, 10, "0.05")], 4));

      const run = ledger.run();
      expect(JSON.parse(run?.accumulator ?? "null")).toEqual({ rows: 30, totalAmount: "3.35" });
      expect(run?.rows).toBe(30);
      expect(ledger.counts()).toMatchObject({ done: 3, pending: 0, running: 0 });
    });
  });

  it("retries a transient failure and fails a permanent one", async () => {
    const stub = env.COORDINATOR.get(env.COORDINATOR.idFromName(`ledger-${crypto.randomUUID()}`));
    await runInDurableObject(stub, (_instance, state) => {
      const { ledger, apply } = seedLedger(state, 20n, 2);
      ledger.lease(2, 0, 60_000, 1);
      const outcome = state.storage.transactionSync(() =>
        apply(
          [
            { rangeId: 0, attempt: 1, ok: false, error: { code: "57P01", message: "shutdown" }, durationMs: 1 },
            { rangeId: 1, attempt: 1, ok: false, error: { code: "42P01", message: "no table" }, durationMs: 1 },
          ],
          10,
        ),
      );
      expect(outcome).toMatchObject({ retried: 1, failed: 1 });
      expect(ledger.counts()).toMatchObject({ pending: 1, failed: 1 });
      expect(ledger.failedRanges(10)).toEqual([
        { rangeId: 1, start: "11", end: "20", attempts: 1, code: "42P01", message: "no table" },
      ]);
      const wake = ledger.firstRetryAfter(10);
      expect(wake).not.toBeNull();
      expect(ledger.lease(1, 10, 60_000, 1)).toEqual([]);
      expect(ledger.lease(1, (wake ?? 0) + 1, 60_000, 1).map((r) => [r.id, r.attempt])).toEqual([[0, 2]]);
    });
  });
});

describe("duplicate and late reports through the Coordinator's lane calls", () => {
  it("reports every range twice, out of order, racing the lanes, and the result still equals SQL", async () => {
    const rowsPerRange = 2_500;
    const started = await startRun("orders-total", { rowsPerRange, concurrency: 4, split: "uniform", canary: false });
    const bounds = { start: BigInt(started.bounds.start ?? "0"), end: BigInt(started.bounds.end ?? "0") };
    const ranges = planUniform(bounds.start, bounds.end, BigInt(rowsPerRange));
    expect(ranges.length).toBe(started.ranges.total);
    // Each range's true result, from SQL, reported by a lane the Coordinator does not know.
    const reports: RangeReport[] = [];
    for (const [i, r] of ranges.entries()) {
      const t = await ordersTruth("orders", r.start, r.end);
      reports.push(ok(i, 1, t.rows, t.totalAmount ?? "0"));
    }
    const coordinator = coordinatorFor(env, started.runId);
    const stranger = { lane: 1_000_000, started: [], release: [], want: 5, done: false };
    const answers = await Promise.all([
      coordinator.lane({ ...stranger, reports: [...reports].reverse() }),
      coordinator.lane({ ...stranger, reports }),
    ]);
    expect(answers.every((a) => a.stop && a.ranges.length === 0)).toBe(true); // an unknown lane is leased nothing

    const run = await waitForRun(started.runId);
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual(await ordersTruth());
    expect(run.rows).toBe((await ordersTruth()).rows);

    // Late reports after the run finished change nothing either.
    await coordinator.lane({ ...stranger, reports: reports.slice(0, 5) });
    expect((await getRun(started.runId)).result).toEqual(run.result);
  });
});
