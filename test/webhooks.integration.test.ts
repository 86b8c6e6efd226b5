/**
 * `POST /webhooks/:job` in the Workers runtime: deliveries with Standard
 * Webhooks signatures (valid, tampered, wrong secret, stale, missing headers,
 * key rotation), the body validated as run options, and replays that return
 * the run the first delivery started instead of starting another. The
 * signature scheme on its own is in webhook-signature.unit.test.ts.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../src/api/app";
import { signWebhook } from "../src/api/webhook-signature";
import { webhookRunId } from "../src/runs/run-id";
import type { RunStatus } from "../src/coordinator/types";
import { api, ordersTruth, waitForRun } from "./helpers";

const SECRET = env.WEBHOOK_SECRET;
const OTHER_SECRET = "whsec_b3RoZXItc2VjcmV0LW5vdC1vdXJz";

interface Delivery {
  id?: string;
  timestamp?: number;
  /** The body that is signed; `sent` is what goes over the wire (default: the same). */
  body?: string;
  sent?: string;
  signature?: string;
  omit?: "webhook-id" | "webhook-timestamp" | "webhook-signature";
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

async function request(job: string, d: Delivery = {}): Promise<Request> {
  const id = d.id ?? `msg_${crypto.randomUUID()}`;
  const timestamp = d.timestamp ?? now();
  const body = d.body ?? "";
  const headers = new Headers({
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": d.signature ?? (await signWebhook(SECRET, id, timestamp, body)),
  });
  if (d.omit) headers.delete(d.omit);
  return new Request(`http://rangemap.test/webhooks/${job}`, { method: "POST", headers, body: d.sent ?? body });
}

async function deliver(job: string, d: Delivery = {}): Promise<Response> {
  return exports.default.fetch(await request(job, d));
}

async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}

/** Asserts that no run exists for the webhook id: nothing was started. */
async function expectNoRun(id: string): Promise<void> {
  expect((await api(`/api/runs/${await webhookRunId(id)}`)).status).toBe(404);
}

describe("POST /webhooks/:job", () => {
  it("starts a run from a valid delivery, with the body's options, and needs no bearer token", async () => {
    const id = `msg_${crypto.randomUUID()}`;
    const body = JSON.stringify({ start: "1", end: "3000", rowsPerRange: 700, canary: false });
    const res = await deliver("orders-total", { id, body });
    expect(res.status).toBe(202);
    const started = (await res.json()) as RunStatus & { created: boolean };
    expect(started.created).toBe(true);
    expect(started.runId).toBe(await webhookRunId(id));
    expect(started.bounds).toMatchObject({ start: "1", end: "3000" });
    expect(started.options.rowsPerRange).toBe(700);
    const run = await waitForRun(started.runId);
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual(await ordersTruth("orders", 1n, 3000n));
  });

  it("answers a replayed webhook-id with the run it started (200), never a second run", async () => {
    const id = `msg_${crypto.randomUUID()}`;
    const body = JSON.stringify({ start: "1", end: "2000" });
    const first = await deliver("orders-total", { id, body });
    expect(first.status).toBe(202);
    const a = (await first.json()) as RunStatus & { created: boolean };
    // A redelivery is signed afresh by the sender, with a new timestamp.
    const again = await deliver("orders-total", { id, body, timestamp: now() + 1 });
    expect(again.status).toBe(200);
    const b = (await again.json()) as RunStatus & { created: boolean };
    expect(b.runId).toBe(a.runId);
    expect(b.created).toBe(false);
    expect(b.createdAt).toBe(a.createdAt);
    // The same id at another job's URL does not start that job either.
    const elsewhere = await deliver("test-flaky", { id, body });
    expect(elsewhere.status).toBe(409);
    expect(await errorCode(elsewhere)).toBe("webhook_id_reused");
    const history = (await (await api(`/api/runs?job=test-flaky&limit=100`)).json()) as { runs: Array<{ runId: string }> };
    expect(history.runs.map((r) => r.runId)).not.toContain(a.runId);
    expect((await waitForRun(a.runId)).status).toBe("succeeded");
  });

  it("accepts a second signature in the header (secret rotation)", async () => {
    const id = `msg_${crypto.randomUUID()}`;
    const ts = now();
    const body = JSON.stringify({ start: "1", end: "1000" });
    const oldSig = await signWebhook(OTHER_SECRET, id, ts, body);
    const newSig = await signWebhook(SECRET, id, ts, body);
    const res = await deliver("orders-total", { id, timestamp: ts, body, signature: `${oldSig} v2,ignored ${newSig}` });
    expect(res.status).toBe(202);
    const started = (await res.json()) as RunStatus;
    expect(started.runId).toBe(await webhookRunId(id));
    const run = await waitForRun(started.runId);
    expect(run.status).toBe("succeeded");
    expect(run.result).toEqual(await ordersTruth("orders", 1n, 1000n));
  });

  const refusals: Array<[string, () => Promise<Delivery>, string]> = [
    ["a tampered body", async () => ({ body: '{"end":"1000"}', sent: '{"end":"2000"}' }), "invalid_signature"],
    ["the wrong secret", async () => {
      const id = `msg_${crypto.randomUUID()}`;
      const ts = now();
      return { id, timestamp: ts, signature: await signWebhook(OTHER_SECRET, id, ts, "") };
    }, "invalid_signature"],
    ["a garbled signature", async () => ({ signature: "v1,not base64!!" }), "invalid_signature"],
    ["a stale timestamp", async () => ({ timestamp: now() - 301 }), "stale_timestamp"],
    ["a timestamp from the future", async () => ({ timestamp: now() + 301 }), "stale_timestamp"],
    ["no webhook-id", async () => ({ omit: "webhook-id" }), "missing_headers"],
    ["no webhook-timestamp", async () => ({ omit: "webhook-timestamp" }), "missing_headers"],
    ["no webhook-signature", async () => ({ omit: "webhook-signature" }), "missing_headers"],
  ];
  for (const [name, make, code] of refusals) {
    it(`refuses ${name} with 401 and starts nothing`, async () => {
      const d = { id: `msg_${crypto.randomUUID()}`, ...(await make()) };
      const res = await deliver("orders-total", d);
      expect(res.status).toBe(401);
      expect(await errorCode(res)).toBe(code);
      if (d.omit !== "webhook-id") await expectNoRun(d.id);
    });
  }

  it("refuses every delivery when WEBHOOK_SECRET is unset (fail closed)", async () => {
    const id = `msg_${crypto.randomUUID()}`;
    const res = await app.fetch(await request("orders-total", { id }), { ...env, WEBHOOK_SECRET: "" });
    expect(res.status).toBe(401);
    expect(await errorCode(res)).toBe("unauthorized");
    await expectNoRun(id);
  });

  it("validates the body as run options, after the signature", async () => {
    for (const [body, status, code] of [
      ['{"start":"10","end":"5"}', 400, "invalid_body"],
      ['{"rowsPerRang":10}', 400, "invalid_body"],
      ['{"dryRun":true}', 400, "invalid_body"],
      ["{not json", 400, "invalid_json"],
    ] as const) {
      const id = `msg_${crypto.randomUUID()}`;
      const res = await deliver("orders-total", { id, body });
      expect(res.status).toBe(status);
      expect(await errorCode(res)).toBe(code);
      await expectNoRun(id);
    }
    const unknown = await deliver("no-such-job", { body: "{}" });
    expect(unknown.status).toBe(404);
    expect(await errorCode(unknown)).toBe("job_not_found");
  });
});
