/**
 * A hot lane: one connection that runs a run's ranges in turn. It reports
 * what it finished and leases what it runs next in the same Coordinator call,
 * and keeps enough ranges in hand that the call overlaps the running query
 * instead of following it. The queue only starts lanes; it is off the path of
 * every range.
 *
 * How far ahead a lane leases adapts to what it measures: enough ranges to
 * cover one Coordinator round trip plus the call interval the Coordinator
 * asks for (so short ranges are reported in batches and one Coordinator
 * stays far below its request limit), at most MAX_HELD. A lane hands back
 * after LANE_LIFETIME_MS, so several runs share the consumers: the queue
 * starts another lane for whatever is left.
 *
 * Pacing (src/coordinator/pacing.ts, health.ts) rides on the same calls: a
 * range may come with a `notBefore` start slot, which the lane sleeps
 * towards; a grant may say to wait (call again later instead of handing
 * back), to give back what is held (the database is unhealthy), or to run
 * the job's health check before the next range (runHealthCheck, on this
 * lane's connection); its verdict goes in the next call.
 */
import type { ChainFilter } from "../planning/keys/predicate";
import type { HealthVerdict, LaneCall, LaneGrant, RangeReport, RangeTask } from "../coordinator/types";
import type { AnyJob } from "../jobs/define";
import { messageOf } from "../lib/errors";
import { policyOf } from "../lib/error-policy";
import { sleep } from "../lib/sleep";
import { log, logError } from "../lib/log";
import { runHealthCheck } from "./health-check";
import type { Lane } from "./lane";
import { rangeTimeout, runRange } from "./run-range";

/** A lane stops taking ranges after this long and hands back. */
export const LANE_LIFETIME_MS = 4_000;

/**
 * How late a paced range may start after its slot (docs/pacing.md). Later, it
 * is given back for a new slot, so every 10-second window holds at most the
 * slots of 10.25 seconds.
 */
export const LATE_SLOT_MS = 250;
/** Most ranges a lane holds leased ahead. */
export const MAX_HELD = 100;
/** While a range runs this long with no call in flight, the lane calls anyway: it renews its leases and hears a stop. */
export const HEARTBEAT_MS = 1_000;
/**
 * The lane's one timer: it ends a range at its deadline and sends heartbeats.
 * One ticker per lane, not a timer per range: an invocation may only have so
 * many timers, and a lane runs ranges by the thousand.
 */
const TICK_MS = 100;
/** Ranges asked for before anything is measured; the Coordinator caps it at a fair share. */
const INITIAL_WANT = 8;
/** Tries of one Coordinator call before the lane gives up (its leases then expire and the ranges go to other lanes). */
const CALL_TRIES = 4;

/** The Coordinator as a lane sees it: one call. */
export type LaneRpc = (call: LaneCall) => Promise<LaneGrant>;

interface Held extends RangeTask {
  leaseUntil: number;
}


/** Exponentially weighted moving average. */
function ewma(previous: number | null, sample: number, weight = 0.3): number {
  return previous === null ? sample : previous + weight * (sample - previous);
}

export class LaneRunner {
  private held: Held[] = [];
  private reports: RangeReport[] = [];
  private started: Array<[number, number, number]> = [];
  private released: Array<[number, number]> = [];
  private inflight: Promise<void> | null = null;
  private stopped = false;
  private exhausted = false;
  private timeoutMs = 0;
  private rowsPerRange = 0;
  private params: unknown = undefined;
  private nonce = "";
  /** The run's visibility filter (an incremental job's chain run), from the Coordinator's grants. */
  private chain: ChainFilter | null = null;
  /** Why the run's parameters do not parse for this job; every range then fails with it. */
  private paramsError: string | null = null;
  private rangeMs: number | null = null;
  private rttMs: number | null = null;
  private callIntervalMs = 250;
  private lastCallAt = 0;
  private readonly born = Date.now();
  /** Ranges run, for the log line. */
  private ran = 0;
  /** The range running now: aborted by the ticker past its deadline. */
  private current: { deadline: number; controller: AbortController } | null = null;
  /** Pacing: the Coordinator asked for a health check; its verdict, to report; until when to wait before calling again. */
  private healthDue = false;
  private health: HealthVerdict | undefined;
  private waitUntil = 0;

  constructor(
    private readonly lane: number,
    private readonly runId: string,
    private readonly job: AnyJob,
    private readonly connection: Lane,
    private readonly rpc: LaneRpc,
  ) {}

  /** Runs ranges until the run has none left for it, it is told to stop, or its lifetime is up; then hands back. */
  async run(): Promise<void> {
    const ticker = setInterval(() => this.tick(), TICK_MS);
    try {
      // The connection opens while the first call is on its way.
      this.connection.warm();
      this.call(INITIAL_WANT);
      await this.inflight;
      for (;;) {
        if (this.healthDue && !this.stopped) {
          await this.checkHealth();
          continue;
        }
        const notBefore = this.stopped ? undefined : this.held[0]?.notBefore;
        if (notBefore !== undefined && notBefore > Date.now()) {
          // Its start slot (the run's rate) has not come: sleep towards it, then look again.
          this.maybeCall();
          await sleep(notBefore - Date.now());
          continue;
        }
        const next = this.stopped ? undefined : this.held.shift();
        if (!next) {
          if (this.inflight) {
            await this.inflight;
            continue;
          }
          if (!this.stopped && !this.exhausted && !this.expired()) {
            const wait = Math.min(this.waitUntil, this.born + LANE_LIFETIME_MS) - Date.now();
            if (wait > 0) {
              // Told to wait (rate, health): not done, just not yet.
              await sleep(wait);
              continue;
            }
            this.call(this.wantMore());
            continue;
          }
          break;
        }
        if (Date.now() + this.timeoutMs > next.leaseUntil) {
          // It could no longer finish inside its lease: give it back unspent.
          this.released.push([next.rangeId, next.attempt]);
          continue;
        }
        if (next.notBefore !== undefined && Date.now() - next.notBefore > LATE_SLOT_MS) {
          // Its start slot passed while the range before it ran: starting it now would crowd a later
          // 10-second window of the rate limit. Given back unspent, it gets a new slot.
          this.released.push([next.rangeId, next.attempt]);
          continue;
        }
        this.started.push([next.rangeId, next.attempt, Date.now()]);
        if (this.paramsError !== null) {
          const error = { code: "invalid_params", message: this.paramsError };
          this.reports.push({ rangeId: next.rangeId, attempt: next.attempt, ok: false, error, durationMs: 0 });
          continue;
        }
        const controller = new AbortController();
        this.current = { deadline: Date.now() + this.timeoutMs, controller };
        const running = runRange(this.connection, this.job, next, {
          runId: this.runId, timeoutMs: this.timeoutMs, rowsPerRange: this.rowsPerRange, params: this.params, nonce: this.nonce, chain: this.chain,
        }, controller.signal);
        this.maybeCall();
        const report = await running;
        this.current = null;
        if (!report.ok) {
          const { code, message } = report.error;
          const fields = { runId: this.runId, lane: this.lane, rangeId: next.rangeId, attempt: next.attempt, code };
          logError("range attempt failed", { ...fields, retryable: policyOf(code).retryable, error: message });
        }
        this.rangeMs = ewma(this.rangeMs, report.durationMs);
        this.reports.push(report);
        this.ran++;
      }
    } finally {
      clearInterval(ticker);
      await this.handBack();
    }
  }

  /** Runs the health check the Coordinator asked for, between ranges; an unhealthy verdict gives back what is held at once. */
  private async checkHealth(): Promise<void> {
    this.healthDue = false;
    const verdict = await runHealthCheck(this.connection, this.job, this.params, this.timeoutMs);
    this.health = verdict;
    if (!verdict.healthy) this.releaseHeld();
    if (!this.inflight) this.call(verdict.healthy ? this.wantMore() : 0);
  }

  /** Gives back every range held and not begun. */
  private releaseHeld(): void {
    this.released.push(...this.held.splice(0).map((h): [number, number] => [h.rangeId, h.attempt]));
  }

  /** Ends the running range at its deadline; calls on a heartbeat while it runs long with no call in flight. */
  private tick(): void {
    const current = this.current;
    if (!current) return;
    const now = Date.now();
    if (now >= current.deadline && !current.controller.signal.aborted) current.controller.abort(rangeTimeout(this.timeoutMs));
    if (!this.inflight && now - this.lastCallAt >= HEARTBEAT_MS) this.call(0);
  }

  /** Ranges to ask for so that what is held covers a round trip and the call interval. */
  private depth(): number {
    const per = Math.max(1, this.rangeMs ?? 50);
    return Math.min(MAX_HELD, Math.max(2, Math.ceil(((this.rttMs ?? 0) + this.callIntervalMs) / per) + 1));
  }

  private wantMore(): number {
    if (this.stopped || this.exhausted || this.expired()) return 0;
    return Math.max(0, this.depth() - this.held.length);
  }

  private expired(): boolean {
    return Date.now() - this.born >= LANE_LIFETIME_MS;
  }

  /** Calls when the held ranges run low, or when reports have waited long enough. */
  private maybeCall(): void {
    if (this.inflight) return;
    const depth = this.depth();
    const want = this.wantMore();
    const refill = want > 0 && this.held.length <= Math.floor(depth / 2);
    const flush =
      this.reports.length >= depth ||
      (this.reports.length + this.started.length + this.released.length > 0 && Date.now() - this.lastCallAt >= this.callIntervalMs);
    if (refill || flush) this.call(want);
  }

  /** Starts one Coordinator call (one at a time) carrying everything the lane has to say. */
  private call(want: number, done = false): void {
    const payload: LaneCall = {
      lane: this.lane,
      reports: this.reports.splice(0),
      started: this.started.splice(0),
      release: this.released.splice(0),
      want,
      done,
    };
    if (this.health) payload.health = this.health;
    this.health = undefined;
    const sent = Date.now();
    this.inflight = this.send(payload)
      .then((grant) => {
        this.rttMs = ewma(this.rttMs, Date.now() - sent);
        this.timeoutMs = grant.timeoutMs;
        this.rowsPerRange = grant.rowsPerRange;
        this.takeParams(grant.params);
        if (grant.nonce) this.nonce = grant.nonce;
        if (grant.chain !== undefined) this.chain = grant.chain;
        this.callIntervalMs = grant.callIntervalMs;
        for (const h of this.held) h.leaseUntil = grant.leaseUntil;
        if (grant.hold) this.releaseHeld();
        this.held.push(...grant.ranges.map((r) => ({ ...r, leaseUntil: grant.leaseUntil })));
        if (grant.checkHealth) this.healthDue = true;
        this.waitUntil = grant.waitMs === undefined ? 0 : Date.now() + grant.waitMs;
        if (grant.stop) this.stopped = true;
        else if (want > 0 && grant.ranges.length === 0 && grant.waitMs === undefined) this.exhausted = true;
      })
      .finally(() => {
        this.lastCallAt = Date.now();
        this.inflight = null;
      });
  }

  /** The run's parameters as the job's schema parses them. */
  private takeParams(raw: unknown): void {
    if (!this.job.params) {
      this.params = raw;
      return;
    }
    const parsed = this.job.params.safeParse(raw ?? undefined);
    this.params = parsed.success ? parsed.data : undefined;
    this.paramsError = parsed.success ? null : parsed.error.message;
  }

  /** The call, retried briefly: a Coordinator that is restarting answers a moment later. */
  private async send(payload: LaneCall): Promise<LaneGrant> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.rpc(payload);
      } catch (err) {
        if (attempt >= CALL_TRIES) {
          // Nothing was recorded: the reports' ranges are run again after their leases expire.
          this.stopped = true;
          throw new Error(`lane ${this.lane} of run ${this.runId} could not reach its Coordinator: ${messageOf(err)}`);
        }
        await sleep(100 * 4 ** (attempt - 1));
      }
    }
  }

  /** Gives back the ranges not run, reports the rest, and closes the connection. */
  private async handBack(): Promise<void> {
    try {
      if (this.inflight) await this.inflight.catch(() => {});
      this.releaseHeld();
      this.call(0, true);
      await this.inflight;
      log("lane handed back", { runId: this.runId, lane: this.lane, ranges: this.ran, ms: Date.now() - this.born });
    } finally {
      await this.connection.reset();
    }
  }
}
