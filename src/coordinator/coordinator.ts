/**
 * The Coordinator Durable Object: one per run, the single source of truth.
 *
 * It plans the run, starts lanes through the queue and leases them at most
 * `concurrency` ranges, folds each result exactly once, and recovers the
 * leases of lost lanes by its alarm. Its concerns live in modules of their
 * own: ledger, fold, failures, governor, dispatch and lane-call, pacing,
 * effects (exactly-once records), status; planning is src/planning/.
 */
import { DurableObject } from "cloudflare:workers";
import { getJob } from "../jobs/registry";
import { nextWake, sendGiveUpMs, startLanes } from "./dispatch";
import { cleanEffects, effectsDeleteAt, prepareEffects, recordsGone } from "./effects";
import { expireLeases, reopenForRetry } from "./failures";
import { answerLane } from "./lane-call";
import { Lanes } from "./lanes";
import { Ledger, type RunRow } from "./ledger";
import { log, logError } from "../lib/log";
import { historyEntry, recordRun } from "../history/record";
import { failure, type Outcome } from "../lib/domain-error";
import { keyTypeOf } from "../planning/keys";
import { planRun } from "../planning/plan";
import { connectorFor } from "../db/connector";
import { canaryCount, resolveOptions } from "../runs/options";
import type { RunSpec } from "../runs/spec";
import { hasSchema } from "../lib/migrations";
import { migrate } from "./schema";
import { writeRanges } from "./write-ranges";
import { expirePaused, isLive, pauseRun, resumeRun } from "./pause";
import { rangePage, runStatus, type RangePage } from "./status";
import { stripOf, type Strip } from "./strip";
import { Watchers } from "./watch";
import { isFinished, type LaneCall, type LaneGrant, type LaneMessage, type RangeState, type RunOutcome, type RunStatus } from "./types";
import { chainRecord, chainWindow, closeChainRun, saveChain, startingResult } from "../incremental/run-chain";

/** The run's job was removed from the Worker: the run ends, visibly, instead of retrying forever. */
const jobGone = (name: string) => `job ${name} is no longer registered in this Worker`;

/** An alarm this far past due is taken as lost (see rearmIfLost). */
const ALARM_OVERDUE_MS = 5_000;

export class Coordinator extends DurableObject<Env> {
  private readonly ledger: Ledger;
  private readonly lanes: Lanes;
  /** Whether this object has a ledger at all; looking up an unknown run id must not create one. */
  private ready = false;
  private creating: Promise<RunOutcome> | null = null;
  private armedFor: number | null = null;
  private readonly watchers = new Watchers();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.ledger = new Ledger(ctx.storage.sql);
    this.lanes = new Lanes(ctx.storage.sql);
    void ctx.blockConcurrencyWhile(async () => {
      this.ready = hasSchema(ctx.storage.sql);
      if (this.ready) migrate(ctx.storage.sql);
    });
  }

  /**
   * Creates the run, or returns it when it already exists (idempotent).
   * Nothing is stored until planning succeeds, so a failed plan leaves no run.
   */
  async create(spec: RunSpec): Promise<RunOutcome> {
    if (this.runRow()) return this.existing();
    if (this.creating) {
      const result = await this.creating;
      return result.ok ? this.existing() : result;
    }
    if (!this.ready) {
      migrate(this.ctx.storage.sql);
      this.ready = true;
    }
    this.creating = this.plan(spec);
    try {
      return await this.creating;
    } finally {
      this.creating = null;
    }
  }

  /** The run's status, or null when this object holds no run. */
  async status(): Promise<RunStatus | null> {
    const run = this.runRow();
    if (!run) return null;
    if (isLive(run)) await this.rearmIfLost();
    return this.snapshot();
  }

  /**
   * A lane's call: folds its reports and releases what it gives back, in one
   * transaction, and leases it its next ranges or tells it to stop (see
   * lane-call.ts). Safe to repeat: a report folds once, a release or a start
   * applies to its own attempt only.
   */
  async lane(call: LaneCall): Promise<LaneGrant> {
    const run = this.runRow();
    const stop: LaneGrant = { ranges: [], stop: true, leaseUntil: 0, timeoutMs: 0, rowsPerRange: 0, params: null, nonce: "", callIntervalMs: 1_000 };
    if (!run) return stop;
    const job = getJob(run.job);
    if (!job) {
      await this.failRun("job_not_found", jobGone(run.job));
      return stop;
    }
    const answered = this.ctx.storage.transactionSync(() =>
      answerLane(keyTypeOf(job), this.ledger, this.lanes, run, job, call, Date.now()),
    );
    await this.advance(answered.run);
    return answered.grant;
  }

  /** Stops dispatching; reports that arrive later change nothing. */
  async cancel(): Promise<RunOutcome> {
    const run = this.runRow();
    if (!run) return failure("run_not_found", "no such run");
    if (!isLive(run)) return failure("run_not_running", `the run is ${run.status}`);
    this.ctx.storage.transactionSync(() => {
      this.ledger.setState("cancelled", "done", Date.now());
      // In-flight ranges will not be folded any more: show them as not done.
      // Lanes hear the stop at their next call and take nothing more.
      this.ledger.releaseRunning();
      this.lanes.clear();
    });
    this.pushStatus();
    await this.disarm();
    log("run cancelled", { runId: run.run_id });
    await this.recordHistory();
    return this.existing();
  }

  /** Stops granting ranges until `resume` (pause.ts). Idempotent; a finished run is refused. */
  async pause(): Promise<RunOutcome> {
    return this.setPaused(true);
  }

  /** Grants ranges again after `pause`. Idempotent; a finished run is refused. */
  async resume(): Promise<RunOutcome> {
    return this.setPaused(false);
  }

  /** Re-runs the failed ranges of a finished run into the same accumulator. */
  async retry(): Promise<RunOutcome> {
    const run = this.runRow();
    if (!run) return failure("run_not_found", "no such run");
    if (run.status !== "failed" || !this.ledger.hasFailedRanges()) {
      return failure("nothing_to_retry", `only a failed run with failed ranges can be retried; the run is ${run.status}`);
    }
    const now = Date.now();
    if (!getJob(run.job)) return failure("job_removed", `job ${run.job} is no longer in this Worker`);
    if (recordsGone(run, now)) {
      return failure("effects_deleted", "the run's exactly-once records were deleted after its retention window: a retry could write twice");
    }
    if (run.chain !== null) {
      return failure("nothing_to_retry", "a run of an incremental job's chain is not retried: start another; it builds on the last succeeded run and covers these keys");
    }
    this.ctx.storage.transactionSync(() => reopenForRetry(this.ledger, run, now));
    await this.advance();
    await this.recordHistory();
    return this.existing();
  }

  /** A page of the ledger, in range order. */
  async ranges(status: RangeState | null, afterId: number, limit: number): Promise<RangePage | null> {
    return this.runRow() ? rangePage(this.ledger, status, afterId, limit) : null;
  }

  /** The ranges in key order, folded into at most `bins` bins (the dashboard's strip). */
  async strip(bins: number): Promise<Strip | null> {
    return this.runRow() ? stripOf(this.ctx.storage.sql, bins) : null;
  }

  /** A Server-Sent Events stream of the run's status until it is final (see watch.ts). */
  async watch(): Promise<Outcome<ReadableStream<Uint8Array>> | null> {
    return this.runRow() ? this.watchers.open(this.snapshot()) : null;
  }

  override async alarm(): Promise<void> {
    this.armedFor = null;
    const run = this.runRow();
    if (run && isFinished(run.status)) {
      const next = await cleanEffects(this.env, run, Date.now(), (at) => this.ledger.markEffectsDeleted(at));
      if (next !== null) await this.ctx.storage.setAlarm(next);
      return;
    }
    if (!run || !isLive(run)) return;
    const job = getJob(run.job);
    if (!job) return this.failRun("job_not_found", jobGone(run.job));
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      if (run.status === "paused") return expirePaused(this.ledger, this.lanes, run, now);
      this.lanes.drop(this.lanes.expired(now, run.lease_ms, run.lease_ms));
      expireLeases(keyTypeOf(job), this.ledger, run, now);
    });
    await this.advance();
  }

  private async plan(spec: RunSpec): Promise<RunOutcome> {
    const job = getJob(spec.job);
    if (!job) return failure("job_not_found", `no job named ${spec.job}`);
    const effects = await prepareEffects(this.env, job);
    if (!effects.ok) return effects;
    const o = resolveOptions(spec, job, connectorFor(this.env));
    const planningStarted = Date.now();
    const window = spec.chain ? chainWindow(spec.chain) : { start: spec.start, end: spec.end, nulls: false };
    const planned = await planRun(this.env, job, {
      ...window, endExclusive: spec.endExclusive, rowsPerRange: o.rowsPerRange, split: o.split, width: o.width, sessions: o.concurrency,
    });
    if (!planned.ok) return planned;
    if (this.runRow()) return this.existing();
    const { bounds, count, ranges } = planned.value;
    // A chain run's end is read from a snapshot: its own, or (reconciliation) its base's.
    const snapshotEnd = planned.value.snapshotEnd || spec.chain !== undefined;
    const chain = spec.chain ? chainRecord(keyTypeOf(job), spec.chain, bounds) : null;
    const canary = canaryCount(count, o.rowsPerRange, o.canary);
    // The run row goes in after the ranges: until it does, no run exists
    // here, and a retried create starts over from an empty ledger.
    const written = await writeRanges(this.ctx.storage, this.ledger, ranges, canary, () => this.runRow() !== null);
    if (!written) return this.existing();
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.ledger.insertRun({
        run_id: spec.runId,
        job: job.name,
        status: "running",
        phase: canary > 0 ? "canary" : "main",
        bounds_start: bounds?.start ?? null,
        bounds_end: bounds?.end ?? null,
        bounds_end_exclusive: bounds?.endExclusive ? 1 : 0,
        key_type: job.keyType,
        snapshot_end: snapshotEnd ? 1 : 0,
        split: o.split,
        canary_ranges: canary,
        rows_per_range: o.rowsPerRange,
        concurrency: o.concurrency,
        max_attempts: o.maxAttempts,
        lease_ms: o.leaseMs,
        timeout_ms: o.timeoutMs,
        rate_ranges: o.rateRanges,
        rate_rows: o.rateRows,
        params: JSON.stringify(spec.params ?? null),
        accumulator: JSON.stringify(spec.chain ? startingResult(spec.chain, job) : job.combine.initial()),
        created_at: now,
        planning_ms: now - planningStarted,
        effects: job.writes === "exactly-once" ? 1 : 0,
      });
      if (chain) saveChain(this.ctx.storage.sql, chain);
    });
    log("run planned", { runId: spec.runId, job: job.name, split: o.split, ranges: count, canary, ms: now - planningStarted });
    await this.advance();
    await this.recordHistory();
    return { ok: true, value: { created: true, run: this.snapshot() } };
  }

  /** The run as it is, to a caller that did not create it. */
  private existing(): RunOutcome {
    return { ok: true, value: { created: false, run: this.snapshot() } };
  }

  /**
   * Moves the run on: ends the canary phase (failing the run if a canary range
   * failed), finishes the run when nothing is open, otherwise fills free slots
   * and arms the alarm.
   */
  private async advance(current?: RunRow): Promise<void> {
    this.pushStatus();
    let run = current ?? this.runRow();
    if (!run || !isLive(run)) return;
    const now = Date.now();
    if (run.phase === "canary" && !this.ledger.hasOpenRanges(true)) {
      if (this.ledger.hasFailedRanges(true)) {
        this.ledger.setState("failed", "canary", now, "a canary range failed; the rest of the run was not dispatched");
        await this.disarm();
        log("run failed in canary", { runId: run.run_id });
        this.ctx.waitUntil(this.recordHistory());
        return;
      }
      this.ledger.finishCanary(now);
      run = { ...run, phase: "main" };
    }
    if (!this.ledger.hasOpenRanges()) {
      const status = this.ledger.hasFailedRanges() ? "failed" : "succeeded";
      this.ledger.setState(status, "done", now);
      await this.disarm();
      log("run finished", { runId: run.run_id, status });
      // Not awaited: this runs inside a lane's call, which the lane is waiting on.
      this.ctx.waitUntil(this.recordHistory());
      return;
    }
    if (run.status === "running" && run.send_failing_since !== null && now - run.send_failing_since > sendGiveUpMs(run)) {
      await this.failRun("queue_unavailable", `the queue refused every lane start for ${Math.round((now - run.send_failing_since) / 1000)} s: ${run.error ?? ""}`);
      return;
    }
    // Armed before the first await: if this object dies between booking lanes
    // and arming the alarm, the lanes would otherwise never be looked at again.
    const provisional = now + run.lease_ms;
    const armedEarly = this.armedFor === null ? this.ctx.storage.setAlarm(provisional) : null;
    if (armedEarly) this.armedFor = provisional;
    await startLanes(this.ledger, this.lanes, this.env.RANGES as Queue<LaneMessage>, run, now);
    await armedEarly;
    const after = this.runRow() ?? run;
    const wake = nextWake(this.ledger, this.lanes, after, Date.now()) ?? now + after.lease_ms;
    // Re-armed only to wake earlier: an alarm that comes early finds nothing due
    // and sets the next one, which costs less than a storage write per lane call.
    const armed = this.armedFor;
    if (armedEarly || armed === null || wake < armed || armed <= Date.now()) {
      await this.ctx.storage.setAlarm(wake);
      this.armedFor = wake;
    }
  }

  private async setPaused(paused: boolean): Promise<RunOutcome> {
    const now = Date.now();
    const done = this.ctx.storage.transactionSync(() => (paused ? pauseRun : resumeRun)(this.ledger, this.runRow(), now));
    if (!done.ok) return done;
    if (done.changed) {
      await this.advance();
      await this.recordHistory();
    }
    return this.existing();
  }

  /** Tells watchers the ledger moved; the snapshot is taken when the push goes out. */
  private pushStatus(): void {
    this.watchers.changed(() => (this.runRow() ? this.snapshot() : null));
  }

  /**
   * Tells the run index (`GET /api/runs`) the run's current status. Called on
   * every status change; it never throws, so a history that cannot be
   * updated never breaks the run (see src/history/record.ts).
   */
  private async recordHistory(): Promise<void> {
    let run = this.runRow();
    if (!run) return;
    const closed = run.chain !== null && isFinished(run.status);
    if (closed && closeChainRun(this.ctx.storage.sql, this.env, run, getJob(run.job), () => this.snapshot(), (p) => this.ctx.waitUntil(p))) {
      run = this.runRow() ?? run;
    }
    await recordRun(this.env, historyEntry(run));
  }

  private runRow() {
    // A ledger can appear after construction (a test seeding storage); looking costs one catalog read.
    this.ready ||= hasSchema(this.ctx.storage.sql);
    return this.ready ? this.ledger.run() : null;
  }

  /**
   * A running run always has an alarm due soon. One that is missing, or long
   * overdue, was lost with a runtime killed while it ran (seen with local
   * workerd after `npm run dev` was SIGKILLed: e2e/orphans.ts); without it the
   * leases of lost messages are never looked at again. Watching the run re-arms it.
   */
  private async rearmIfLost(): Promise<void> {
    const at = await this.ctx.storage.getAlarm();
    if (at === null || at < Date.now() - ALARM_OVERDUE_MS) {
      await this.ctx.storage.setAlarm(Date.now());
      this.armedFor = null;
    }
  }

  /** The run is over: no alarm, unless its exactly-once records are still to be deleted (effects.ts). */
  private async disarm(): Promise<void> {
    const run = this.runRow();
    const cleanAt = run ? effectsDeleteAt(run) : null;
    if (cleanAt === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(cleanAt);
    this.armedFor = null;
  }

  private snapshot(): RunStatus {
    const run = this.runRow();
    if (!run) throw new Error("no run in this Coordinator");
    return runStatus(this.ledger, run, this.lanes.count().total);
  }

  /**
   * Ends a running run as failed for a reason outside its ranges. Its open
   * ranges fail with `code`, so `retry` runs them once the cause is fixed,
   * and watchers get the final status.
   */
  private async failRun(code: string, error: string): Promise<void> {
    const run = this.runRow();
    if (!run || !isLive(run)) return;
    this.ctx.storage.transactionSync(() => {
      const now = Date.now();
      this.ledger.setState("failed", run.phase, now, error);
      this.ledger.failOpen(code, error, now);
      this.lanes.clear();
    });
    this.pushStatus();
    await this.disarm();
    logError("run failed", { runId: run.run_id, error });
    this.ctx.waitUntil(this.recordHistory());
  }
}
