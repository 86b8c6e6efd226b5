/**
 * Shared test helpers: calling the Worker's HTTP API the way a client does,
 * waiting for a run to finish, SQL ground truth through the same Neon driver
 * and proxy the Worker uses, and the database's own count of busy backends.
 */
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { withConnection } from "../src/db/connector";
import type { NewRange } from "../src/coordinator/ledger";
import { planPos } from "../src/coordinator/positions";
import type { RangeView } from "../src/coordinator/status";
import { isFinished, type RunStatus } from "../src/coordinator/types";

export const TOKEN = "test-token";

export async function api(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? TOKEN : init.token;
  if (token !== null) headers.set("authorization", `Bearer ${token}`);
  if (init.body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  return exports.default.fetch(new Request(`http://rangemap.test${path}`, { ...init, headers }));
}

export async function startRun(job: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<RunStatus> {
  const res = await api(`/api/jobs/${job}/runs`, { method: "POST", body: JSON.stringify(body), headers });
  if (res.status !== 202) throw new Error(`start run: ${res.status} ${await res.text()}`);
  return (await res.json()) as RunStatus;
}

export async function getRun(runId: string): Promise<RunStatus> {
  const res = await api(`/api/runs/${runId}`);
  if (res.status !== 200) throw new Error(`get run: ${res.status} ${await res.text()}`);
  return (await res.json()) as RunStatus;
}

/** Polls the run until it is final, or fails the test after `timeoutMs`. */
export async function waitForRun(runId: string, timeoutMs = 90_000): Promise<RunStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await getRun(runId);
    if (isFinished(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run.status} after ${timeoutMs} ms: ${JSON.stringify(run.ranges)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs one query on the test database. */
export async function query<T>(text: string, values: unknown[] = []): Promise<T[]> {
  return withConnection(env, async (connection) => (await connection.query(text, values)).rows as T[]);
}

/** `orders-total` as one SQL statement, optionally over `[start, end]`. */
export async function ordersTruth(table = "orders", start?: bigint, end?: bigint) {
  const where = start !== undefined && end !== undefined ? "WHERE id BETWEEN $1 AND $2" : "";
  const values = where ? [start?.toString(), end?.toString()] : [];
  const [row] = await query<{ rows: string; total: string }>(
    `SELECT count(*)::text AS rows, coalesce(sum(amount), 0)::numeric(30,2)::text AS total FROM ${table} ${where}`,
    values,
  );
  return { rows: Number(row?.rows), totalAmount: row?.total };
}

/** Every range of the run's ledger (optionally of one state), read page by page. */
export async function allRanges(runId: string, status?: string, pageSize = 37): Promise<RangeView[]> {
  const out: RangeView[] = [];
  let cursor: string | null = null;
  do {
    const qs = new URLSearchParams({ limit: String(pageSize) });
    if (status) qs.set("status", status);
    if (cursor) qs.set("cursor", cursor);
    const res = await api(`/api/runs/${runId}/ranges?${qs}`);
    if (res.status !== 200) throw new Error(`ranges: ${res.status} ${await res.text()}`);
    const page = (await res.json()) as { ranges: RangeView[]; nextCursor: string | null };
    out.push(...page.ranges);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** The coverage invariant: the leaf ranges (not split) tile [start, end], no gap, no overlap. */
export function expectTiles(ranges: RangeView[], start: bigint, end: bigint): void {
  const leaves = ranges.filter((r) => r.status !== "split").sort((a, b) => (a.position < b.position ? -1 : 1));
  expect(BigInt(leaves[0]?.start ?? "x")).toBe(start);
  expect(BigInt(leaves.at(-1)?.end ?? "x")).toBe(end);
  for (let i = 1; i < leaves.length; i++) {
    expect(BigInt(leaves[i]?.start ?? "0"), `gap or overlap before range ${leaves[i]?.id}`).toBe(BigInt(leaves[i - 1]?.end ?? "0") + 1n);
  }
}

/** Client backends busy with a query right now, the asking connection's own excluded. */
const BUSY_BACKENDS = `
  SELECT count(*)::int AS n FROM pg_stat_activity
  WHERE backend_type = 'client backend' AND state = 'active'
    AND datname = current_database() AND pid <> pg_backend_pid()`;

/**
 * Bounded load as Postgres sees it (DESIGN invariant 4): waits until no other
 * client is busy in the database, starts a run with `start`, and samples
 * `pg_stat_activity` on a connection of its own until the run is final. Any
 * busy backend it counts is then the run's: the ledger's own counters are not
 * consulted, so a run that leases more than it should cannot hide it.
 */
export async function peakDatabaseLoad(start: () => Promise<RunStatus>): Promise<{ run: RunStatus; peak: number; samples: number }> {
  return withConnection(env, async (client) => {
    const busy = async () => ((await client.query(BUSY_BACKENDS)).rows[0] as { n: number }).n;
    const idleBy = Date.now() + 30_000;
    while ((await busy()) > 0) {
      if (Date.now() > idleBy) throw new Error("the database never went idle before the run");
      await new Promise((r) => setTimeout(r, 50));
    }
    let peak = 0;
    let samples = 0;
    let finished = false;
    const sampling = (async () => {
      while (!finished) {
        peak = Math.max(peak, await busy());
        samples++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    try {
      const run = await waitForRun((await start()).runId);
      return { run, peak, samples };
    } finally {
      finished = true;
      await sampling;
    }
  });
}

/** Integer ranges as the ledger takes them (inclusive, positions in the given order), for tests that seed a ledger. */
export function ledgerRanges(ranges: ReadonlyArray<{ start: bigint | string; end: bigint | string }>): NewRange[] {
  return ranges.map((r, i) => ({ start: String(r.start), end: String(r.end), endExclusive: false, nulls: false, pos: planPos(i), oversized: false, estimate: null }));
}
