/**
 * Secrets: with `API_TOKEN` unset (production without `wrangler secret put`)
 * every API route answers 401; and no secret reaches a response or a log
 * line, not even the database password when the database cannot be reached.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { app } from "../src/api/app";
import { signWebhook } from "../src/api/webhook-signature";

const ROUTES: Array<[string, string]> = [
  ["GET", "/api/jobs"],
  ["POST", "/api/jobs/orders-total/runs"],
  ["GET", "/api/runs"],
  ["GET", "/api/runs/some-run"],
  ["GET", "/api/runs/some-run/ranges"],
  ["POST", "/api/runs/some-run/cancel"],
  ["POST", "/api/runs/some-run/retry"],
  ["GET", "/api/nope"],
];

function call(method: string, path: string, authorization: string | null, bindings: Env, json = "{}"): Promise<Response> {
  const headers = new Headers({ "content-type": "application/json" });
  if (authorization !== null) headers.set("authorization", authorization);
  const body = method === "POST" ? json : undefined;
  return Promise.resolve(app.fetch(new Request(`http://rangemap.test${path}`, { method, headers, body }), bindings));
}

describe("fail closed", () => {
  it("answers 401 on every /api route when API_TOKEN is unset, whatever the client sends", async () => {
    const unset = { ...env, API_TOKEN: "" };
    for (const [method, path] of ROUTES) {
      for (const authorization of [null, "Bearer ", "Bearer test-token", "Bearer undefined", "Bearer null"]) {
        const res = await call(method, path, authorization, unset);
        expect(res.status, `${method} ${path} with ${authorization}`).toBe(401);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
      }
    }
  });
});

describe("secrets stay secret", () => {
  const lines: string[] = [];
  beforeEach(() => {
    lines.length = 0;
    for (const method of ["log", "info", "warn", "error"] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(" "));
      });
    }
  });
  afterEach(() => vi.restoreAllMocks());

  it("keeps the token, the webhook secret and the database password out of responses and logs", async () => {
    const password = "hunter2-never-shown";
    // Neon's secret; the Hyperdrive test project does not run this file (vitest.config.ts).
    const databaseUrl = String(env.DATABASE_URL);
    const url = new URL(databaseUrl);
    url.password = password;
    url.port = "1"; // nothing listens there (and the proxy refuses it): the connection fails
    const broken = { ...env, DATABASE_URL: url.toString() };
    const texts: string[] = [];
    // A dry run plans in the Worker itself, so it meets the broken database.
    const dry = await call("POST", "/api/jobs/orders-total/runs", "Bearer test-token", broken, '{"dryRun":true}').then(async (r) => {
      texts.push(await r.text());
      return r.status;
    });
    expect(dry).toBe(503);
    expect(texts[0]).toContain("database_unavailable");
    // A wrong token, and webhooks with a bad and a good signature.
    texts.push(await (await call("GET", "/api/jobs", "Bearer wrong", env)).text());
    const ts = Math.floor(Date.now() / 1000);
    for (const signature of ["v1,AAAA", await signWebhook(env.WEBHOOK_SECRET, "msg-secret-test", ts, '{"dryRun":false,"start":"1","end":"10"}')]) {
      const res = await app.fetch(
        new Request("http://rangemap.test/webhooks/orders-total", {
          method: "POST",
          headers: { "webhook-id": "msg-secret-test", "webhook-timestamp": String(ts), "webhook-signature": signature },
          body: '{"dryRun":false,"start":"1","end":"10"}',
        }),
        broken,
      );
      texts.push(await res.text());
    }
    const secretPart = env.WEBHOOK_SECRET.slice("whsec_".length);
    const everything = [...texts, ...lines].join("\n");
    expect(texts.length).toBe(4);
    for (const secret of [password, env.API_TOKEN, secretPart, databaseUrl]) {
      expect(everything).not.toContain(secret);
    }
  });
});
