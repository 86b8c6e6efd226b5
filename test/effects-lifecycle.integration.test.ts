/**
 * The life of the exactly-once records table (docs/exactly-once.md): created
 * at plan time, or the run refused with a 403 that names the missing
 * privilege; a finished run's records deleted only once no attempt can be in
 * flight, a failed run's kept for `retry`, and a retry refused once they are
 * gone; a dry run of a writing job persists nothing, records included.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { statusOf } from "../src/api/errors";
import type { Coordinator } from "../src/coordinator/coordinator";
import { EFFECTS_MARGIN_MS, FAILED_RUN_RETENTION_MS, prepareEffects } from "../src/coordinator/effects";
import { EFFECTS_TABLE, lockKey } from "../src/db/effects";
import { ORDERS_ARCHIVE_DDL } from "../src/jobs/examples/orders-archive";
import { getJob } from "../src/jobs/registry";
import { api, query, startRun, waitForRun } from "./helpers";

const ROLE = "rangemap_effects_limited";

function job(name: string) {
  const j = getJob(name);
  if (!j) throw new Error(`no job ${name}`);
  return j;
}

/** The run's nonce and record count, read from its Coordinator and the table. */
async function recordsOf(runId: string): Promise<{ nonce: string; records: number }> {
  const stub = env.COORDINATOR.get(env.COORDINATOR.idFromName(runId));
  const nonce = await runInDurableObject(stub, (_: Coordinator, state) => state.storage.sql.exec<{ nonce: string }>("SELECT nonce FROM run").one().nonce);
  const [row] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${EFFECTS_TABLE.quoted} WHERE run_nonce = $1`, [nonce]);
  return { nonce, records: row?.n ?? -1 };
}

/** Moves the run's end back by `ms`, as if that much time had passed since. */
async function age(runId: string, ms: number): Promise<void> {
  const stub = env.COORDINATOR.get(env.COORDINATOR.idFromName(runId));
  await runInDurableObject(stub, (_: Coordinator, state) => {
    state.storage.sql.exec("UPDATE run SET finished_at = finished_at - ? WHERE id = 1", ms);
  });
}

beforeAll(async () => {
  await query(ORDERS_ARCHIVE_DDL);
});

describe("exactly-once records", () => {
  it("plan time: created when missing; a role that may not create or use it is refused with 403 effects_table_unavailable", async () => {
    await query(`DROP ROLE IF EXISTS ${ROLE}`).catch(() => undefined);
    await query(`CREATE ROLE ${ROLE} LOGIN PASSWORD 'limited'`).catch(() => undefined);
    const url = new URL(env.DATABASE_URL ?? "");
    url.username = ROLE;
    url.password = "limited";
    const limited = { ...env, DATABASE_URL: url.toString() };
    await query(`DROP TABLE IF EXISTS ${EFFECTS_TABLE.quoted}`);

    const cannotCreate = await prepareEffects(limited, job("orders-archive"));
    expect(cannotCreate).toEqual({ ok: false, error: { code: "effects_table_unavailable", message: expect.stringContaining("CREATE on schema public") as string } });
    expect(statusOf("effects_table_unavailable")).toBe(403);
    // A job that only reads needs nothing.
    expect(await prepareEffects(limited, job("orders-total"))).toEqual({ ok: true, value: null });

    // The owner's plan creates it.
    const run = await waitForRun((await startRun("test-archive", { start: "1", end: "2000", canary: false })).runId);
    expect(run.status).toBe("succeeded");
    const [present] = await query<{ ok: boolean }>("SELECT to_regclass($1) IS NOT NULL AS ok", [EFFECTS_TABLE.quoted]);
    expect(present?.ok).toBe(true);

    const cannotUse = await prepareEffects(limited, job("orders-archive"));
    expect(cannotUse).toEqual({ ok: false, error: { code: "effects_table_unavailable", message: expect.stringContaining("lacks SELECT, INSERT, DELETE") as string } });
    await query(`GRANT SELECT, INSERT, DELETE ON ${EFFECTS_TABLE.quoted} TO ${ROLE}`);
    expect(await prepareEffects(limited, job("orders-archive"))).toEqual({ ok: true, value: null });
    await query(`REVOKE ALL ON ${EFFECTS_TABLE.quoted} FROM ${ROLE}`);
  });

  it("a succeeded run's records are kept until every lease and timeout has passed, then deleted by the alarm", async () => {
    const run = await waitForRun((await startRun("test-archive", { start: "1", end: "4000", rowsPerRange: 1_000, split: "uniform", canary: false })).runId);
    expect(run.status).toBe("succeeded");
    const { records } = await recordsOf(run.runId);
    expect(records).toBe(4);
    const stub = env.COORDINATOR.get(env.COORDINATOR.idFromName(run.runId));
    // Not yet: an attempt that began under the last lease could still commit.
    await age(run.runId, run.options.leaseSeconds * 1000);
    await runDurableObjectAlarm(stub);
    expect((await recordsOf(run.runId)).records).toBe(4);
    await age(run.runId, run.options.timeoutSeconds * 1000 + EFFECTS_MARGIN_MS);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await recordsOf(run.runId)).records).toBe(0);
  });

  it("a failed run keeps its records for retry; once they are deleted, retry is refused (409 effects_deleted)", async () => {
    const started = await startRun("test-archive", { start: "1", end: "2000", canary: false });
    await waitForRun(started.runId);
    const stub = env.COORDINATOR.get(env.COORDINATOR.idFromName(started.runId));
    // Its one range fails for good, as if its attempts had run out.
    await runInDurableObject(stub, (_: Coordinator, state) => {
      state.storage.sql.exec("UPDATE ranges SET status = 'failed', error_code = 'job_error', error_message = 'x'");
      state.storage.sql.exec("UPDATE run SET status = 'failed'");
    });
    await age(started.runId, started.options.leaseSeconds * 1000 + started.options.timeoutSeconds * 1000 + EFFECTS_MARGIN_MS);
    await runDurableObjectAlarm(stub);
    expect((await recordsOf(started.runId)).records).toBe(1);
    await age(started.runId, FAILED_RUN_RETENTION_MS);
    // The records' time is up but the alarm has not deleted them yet (its delete may be under way): retry is refused already.
    const early = await api(`/api/runs/${started.runId}/retry`, { method: "POST" });
    expect(early.status).toBe(409);
    expect(((await early.json()) as { error: { code: string } }).error.code).toBe("effects_deleted");
    expect((await recordsOf(started.runId)).records).toBe(1);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await recordsOf(started.runId)).records).toBe(0);
    const retry = await api(`/api/runs/${started.runId}/retry`, { method: "POST" });
    expect(retry.status).toBe(409);
    expect(((await retry.json()) as { error: { code: string } }).error.code).toBe("effects_deleted");
  });

  it("a dry run of orders-archive copies nothing and records nothing", async () => {
    await query("TRUNCATE orders_archive");
    const [before] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${EFFECTS_TABLE.quoted}`);
    const res = await api("/api/jobs/orders-archive/runs", { method: "POST", body: JSON.stringify({ dryRun: true, rowsPerRange: 1_000 }) });
    expect(res.status).toBe(200);
    const plan = (await res.json()) as { sample: { result?: { rows: number } } };
    expect(plan.sample.result?.rows).toBeGreaterThan(0); // it did copy, inside the rolled-back transaction
    const [archived] = await query<{ n: number }>("SELECT count(*)::int AS n FROM orders_archive");
    const [after] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${EFFECTS_TABLE.quoted}`);
    expect(archived?.n).toBe(0);
    expect(after?.n).toBe(before?.n);
  });

  it("lock keys: one per (nonce, range), stable", () => {
    const a = crypto.randomUUID();
    const b = crypto.randomUUID();
    expect(lockKey(a, 1)).toBe(lockKey(a, 1));
    expect(new Set([lockKey(a, 1), lockKey(a, 2), lockKey(b, 1)]).size).toBe(3);
    expect(lockKey(a, 1) >= -(2n ** 63n) && lockKey(a, 1) < 2n ** 63n).toBe(true);
  });
});
