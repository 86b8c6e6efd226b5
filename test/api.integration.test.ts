/**
 * The HTTP API end to end: auth, validation, and a real run of `orders-total`
 * through the Coordinator, the queue, the consumer and the Neon driver, with
 * the result checked against one SQL aggregate.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, ordersTruth, startRun, waitForRun } from "./helpers";

describe("auth", () => {
  it("refuses /api without a token, with a wrong token, and with a non-bearer scheme", async () => {
    for (const init of [{ token: null }, { token: "wrong-token" }, { token: null, headers: { authorization: "Basic dGVzdA==" } }]) {
      const res = await api("/api/jobs", init);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
    }
  });

  it("serves /healthz without a token", async () => {
    const res = await api("/healthz", { token: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it("lists the registered jobs with their defaults", async () => {
    const res = await api("/api/jobs");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { jobs: Array<{ name: string; defaults: { rowsPerRange: number } }> };
    expect(body.jobs.find((j) => j.name === "orders-total")?.defaults.rowsPerRange).toBe(10_000);
  });
});

describe("validation", () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ["start > end", { start: "10", end: "5" }, /greater than end/],
    ["a non-integer bound", { start: "1.5" }, /start: must be an integer/],
    ["a bound beyond bigint", { end: "9223372036854775808" }, /end: is out of the bigint range/],
    ["an unsafe JSON number", { end: 9007199254740993 }, /pass it as a decimal string/],
    ["rowsPerRange of zero", { rowsPerRange: 0 }, /rowsPerRange/],
    ["a negative rowsPerRange", { rowsPerRange: -5 }, /rowsPerRange/],
    ["an unknown field", { rowsPerRang: 10 }, /Unrecognized key/],
    ["an unknown split", { split: "random" }, /split/],
  ];
  for (const [name, body, message] of cases) {
    it(`answers 400 for ${name}`, async () => {
      const res = await api("/api/jobs/orders-total/runs", { method: "POST", body: JSON.stringify(body) });
      expect(res.status).toBe(400);
      const json = (await res.json()) as { error: { code: string; message: string } };
      expect(json.error.message).toMatch(message);
    });
  }

  it("answers 400 for malformed JSON and 404 for an unknown job or run", async () => {
    const bad = await api("/api/jobs/orders-total/runs", { method: "POST", body: "{not json" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("invalid_json");
    expect((await api("/api/jobs/nope/runs", { method: "POST", body: "{}" })).status).toBe(404);
    expect((await api("/api/runs/does-not-exist")).status).toBe(404);
    expect((await api("/api/runs/bad%20id!")).status).toBe(404);
  });

  it("answers 400 for a deeply nested body and 413 for oversized params", async () => {
    const deep = await api("/api/jobs/orders-total/runs", { method: "POST", body: `{"params":${"[".repeat(5000)}${"]".repeat(5000)}}` });
    expect(deep.status).toBe(400);
    const big = await api("/api/jobs/orders-total/runs", { method: "POST", body: JSON.stringify({ params: { blob: "x".repeat(20_000) } }) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe("params_too_large");
  });

  it("answers 413 for an oversized body", async () => {
    const res = await api("/api/jobs/orders-total/runs", {
      method: "POST",
      body: JSON.stringify({ params: "x".repeat(100_000) }),
    });
    expect(res.status).toBe(413);
  });

  it("answers 400 with advice when a uniform plan has too many ranges", async () => {
    const res = await api("/api/jobs/orders-total/runs", {
      method: "POST",
      body: JSON.stringify({ start: "1", end: "9000000000000000000", rowsPerRange: 1, split: "uniform" }),
    });
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { code: string; message: string } };
    expect(json.error.code).toBe("too_many_ranges");
    expect(json.error.message).toMatch(/raise rowsPerRange/);
  });
});

describe("looking up a run", () => {
  it("an unknown run id answers 404 and leaves no storage behind", async () => {
    const runId = `nobody-${crypto.randomUUID()}`;
    expect((await api(`/api/runs/${runId}`)).status).toBe(404);
    expect((await api(`/api/runs/${runId}/ranges`)).status).toBe(404);
    const stub = env.COORDINATOR.get(env.COORDINATOR.idFromName(runId));
    const tables = await runInDurableObject(stub, (_i, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").one().n,
    );
    expect(tables).toBe(0);
  });
});

describe("a run of orders-total", () => {
  it("matches one SQL aggregate over the whole table", async () => {
    const started = await startRun("orders-total", { rowsPerRange: 1_000, concurrency: 8 });
    expect(started.status).toBe("running");
    expect(started.ranges.total).toBe(50);
    const run = await waitForRun(started.runId);
    const truth = await ordersTruth();
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual(truth);
    expect(run.rows).toBe(truth.rows);
    expect(run.ranges).toEqual({ total: 50, pending: 0, running: 0, done: 50, failed: 0, oversized: 0 });
    expect(run.bounds).toEqual({ start: "1", end: String(truth.rows), endInclusive: true, endFromSnapshot: true });
    expect(run.finishedAt).not.toBeNull();
  });

  it("runs over an explicit window with bounds given as strings and numbers", async () => {
    const started = await startRun("orders-total", { start: 1234, end: "20345", rowsPerRange: 999 });
    const run = await waitForRun(started.runId);
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual(await ordersTruth("orders", 1234n, 20345n));
  });

  it("returns the same run for the same Idempotency-Key", async () => {
    const key = `key-${crypto.randomUUID()}`;
    const a = await startRun("orders-total", { start: "1", end: "5000" }, { "idempotency-key": key });
    const b = await startRun("orders-total", { start: "1", end: "5000" }, { "idempotency-key": key });
    expect(b.runId).toBe(a.runId);
    expect((b as { created?: boolean }).created).toBe(false);
    const other = await startRun("orders-total", { start: "1", end: "5000" });
    expect(other.runId).not.toBe(a.runId);
    expect((await waitForRun(a.runId)).result).toEqual(await ordersTruth("orders", 1n, 5000n));
  });

  it("succeeds with zero rows and an exact zero total on a window with no rows", async () => {
    const started = await startRun("orders-total", { start: "100000000", end: "100005000", rowsPerRange: 1000 });
    const run = await waitForRun(started.runId);
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual({ rows: 0, totalAmount: "0.00" });
  });
});
