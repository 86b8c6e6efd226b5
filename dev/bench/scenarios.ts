/**
 * The benchmark scenarios. Each does the same work over the same uniform
 * ranges and returns its answer, which the caller checks against SQL:
 * count of orders and the exact sum of `amount`. The hand-rolled ones are
 * what a user would write instead of rangemap: a `pg` pool and a loop.
 */
import pg from "pg";
import { DecimalSum } from "../../src/lib/decimal.js";
import type { RangemapClient } from "../../cli/client.js";
import { isFinished, type RunStatus } from "../../src/coordinator/types.js";

export interface Answer {
  rows: number;
  totalAmount: string;
}

export interface Work {
  url: string;
  /** Inclusive [start, end] pairs as decimal strings. */
  ranges: Array<[string, string]>;
  concurrency: number;
}

/** Uniform ranges of `width` keys over [1, rows], as rangemap's uniform split cuts them. */
export function uniformRanges(rows: number, width: number): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let s = 1; s <= rows; s += width) out.push([String(s), String(Math.min(s + width - 1, rows))]);
  return out;
}

async function pullRange(client: pg.PoolClient, [s, e]: [string, string]): Promise<Answer> {
  const res = await client.query<{ amount: string | null }>("SELECT amount FROM orders WHERE id BETWEEN $1 AND $2", [s, e]);
  const sum = new DecimalSum(2);
  for (const row of res.rows) if (row.amount !== null) sum.add(row.amount);
  return { rows: res.rows.length, totalAmount: sum.toString() };
}

function fold(answers: Answer[]): Answer {
  const sum = new DecimalSum(2);
  let rows = 0;
  for (const a of answers) {
    rows += a.rows;
    sum.add(a.totalAmount);
  }
  return { rows, totalAmount: sum.toString() };
}

async function aggregateRange(client: pg.PoolClient, [s, e]: [string, string]): Promise<Answer> {
  // The statement `orders-total` runs for each range.
  const res = await client.query<{ rows: string; total: string }>(
    "SELECT count(*) AS rows, coalesce(sum(amount), 0)::text AS total FROM orders WHERE id BETWEEN $1 AND $2",
    [s, e],
  );
  return { rows: Number(res.rows[0]?.rows ?? 0), totalAmount: res.rows[0]?.total ?? "0" };
}

/** Every range through a `pg` pool of `concurrency` connections, each looping over what is left. */
async function pooled(w: Work, perRange: (client: pg.PoolClient, range: [string, string]) => Promise<Answer>): Promise<Answer> {
  const pool = new pg.Pool({ connectionString: w.url, max: w.concurrency });
  try {
    const answers: Answer[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: w.concurrency }, async () => {
        const client = await pool.connect();
        try {
          while (next < w.ranges.length) {
            const r = w.ranges[next++];
            if (r) answers.push(await perRange(client, r));
          }
        } finally {
          client.release();
        }
      }),
    );
    return fold(answers);
  } finally {
    await pool.end();
  }
}

/** Pull every amount and sum on the client, at concurrency C (C = 1: one connection, range after range). */
export function handRolledParallel(w: Work): Promise<Answer> {
  return pooled(w, pullRange);
}

/** `orders-total`'s per-range aggregate, at concurrency C. */
export function handRolledPushdown(w: Work): Promise<Answer> {
  return pooled(w, aggregateRange);
}

/** One SQL statement: the floor on this hardware. */
export async function sqlAggregate(w: Work): Promise<Answer> {
  const client = new pg.Client({ connectionString: w.url });
  await client.connect();
  try {
    const res = await client.query<{ rows: string; total: string }>(
      "SELECT count(*)::text AS rows, coalesce(sum(amount), 0)::numeric(20,2)::text AS total FROM orders",
    );
    return { rows: Number(res.rows[0]?.rows), totalAmount: res.rows[0]?.total ?? "" };
  } finally {
    await client.end();
  }
}

/** A run's result as an Answer (`orders-total`, `orders-pull`); throws on any other shape. */
export function answerOf(run: RunStatus): Answer {
  const r = run.result;
  if (r !== null && typeof r === "object" && !Array.isArray(r) && typeof r.rows === "number" && typeof r.totalAmount === "string") {
    return { rows: r.rows, totalAmount: r.totalAmount };
  }
  throw new Error(`run ${run.runId} answered ${JSON.stringify(r)}`);
}

/** What a final status says beyond the answer; null where this version of the Worker does not report it. */
export interface RunFigures {
  /** Time the Coordinator spent planning the run (`planningMs`). */
  planningMs: number | null;
  /** Coordinator calls the run's lanes made (`lanes.calls`). */
  coordinatorCalls: number | null;
}

function numberAt(value: unknown, ...path: string[]): number | null {
  let at = value;
  for (const key of path) {
    if (at === null || typeof at !== "object" || Array.isArray(at)) return null;
    at = (at as Record<string, unknown>)[key];
  }
  return typeof at === "number" && Number.isFinite(at) ? at : null;
}

export function figuresOf(run: RunStatus): RunFigures {
  return { planningMs: numberAt(run, "planningMs"), coordinatorCalls: numberAt(run, "lanes", "calls") };
}

/** A rangemap run end to end through the HTTP API, from the POST to the final status. */
export async function rangemapRun(api: RangemapClient, job: string, body: Record<string, unknown>): Promise<RunStatus> {
  const started = await api.startRun(job, body);
  let run = started;
  while (!isFinished(run.status)) {
    await new Promise((r) => setTimeout(r, 10));
    run = await api.getRun(started.runId);
  }
  if (run.status !== "succeeded") throw new Error(`run ${run.runId} ended ${run.status}: ${JSON.stringify(run.errors.slice(0, 3))}`);
  return run;
}

/**
 * Connections opened to `database`, from Postgres' own count of sessions
 * (`pg_stat_database.sessions`, PG 14+). Read it through a connection to
 * another database so the reading is not counted.
 */
export async function sessionsOpened(monitor: pg.Client, database: string): Promise<number> {
  const res = await monitor.query<{ n: string }>("SELECT sessions::text AS n FROM pg_stat_database WHERE datname = $1", [database]);
  return Number(res.rows[0]?.n ?? 0);
}

/**
 * Waits until no backend of `application_name` `rangemap…` is left on
 * `database` (lanes may close their connections just after the run is
 * final), so that every session of a run has been counted.
 */
export async function settled(monitor: pg.Client, database: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await monitor.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'rangemap%'",
      [database],
    );
    if ((res.rows[0]?.n ?? 0) === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
