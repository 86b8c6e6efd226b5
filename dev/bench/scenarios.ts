/**
 * The benchmark scenarios. Each does the same work over the same uniform
 * ranges and returns its answer, which the caller checks against SQL:
 * count of orders and the exact sum of `amount`.
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

async function pullRange(client: pg.Client | pg.PoolClient, [s, e]: [string, string]): Promise<Answer> {
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

/** One connection, range after range, pull and sum on the client. */
export async function sequentialLoop(w: Work): Promise<Answer> {
  const client = new pg.Client({ connectionString: w.url });
  await client.connect();
  try {
    const answers: Answer[] = [];
    for (const r of w.ranges) answers.push(await pullRange(client, r));
    return fold(answers);
  } finally {
    await client.end();
  }
}

/** The same pull-and-sum with a pool and a promise pool at concurrency C. */
export async function handRolledParallel(w: Work): Promise<Answer> {
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
            if (r) answers.push(await pullRange(client, r));
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

/** A rangemap run end to end through the HTTP API; resolves when it is final. */
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
