/**
 * The Standard Webhooks signature scheme on its own (src/api/webhook-signature.ts):
 * the reference vector, the 5-minute timestamp window, and failing closed on
 * a missing or malformed secret.
 */
import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhook } from "../src/api/webhook-signature";

const SECRET = "whsec_dGVzdC13ZWJob29rLXNlY3JldA==";

function now(): number {
  return Math.floor(Date.now() / 1000);
}

describe("verifyWebhook", () => {
  it("matches the Standard Webhooks reference vector", async () => {
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const headers = { id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265330" };
    const body = '{"test": 2432232314}';
    expect(await signWebhook(secret, headers.id, 1614265330, body)).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    const ok = await verifyWebhook(secret, { ...headers, signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" }, body, 1614265330);
    expect(ok).toEqual({ ok: true });
    const bad = await verifyWebhook(secret, { ...headers, signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" }, `${body} `, 1614265330);
    expect(bad).toEqual({ ok: false, reason: "invalid_signature" });
  });

  it("accepts a timestamp up to 5 minutes off and refuses one further", async () => {
    const at = 1_700_000_000;
    const sig = await signWebhook(SECRET, "m", at, "{}");
    for (const [clock, reason] of [[at + 300, null], [at - 300, null], [at + 301, "stale_timestamp"], [at - 301, "stale_timestamp"]] as const) {
      const result = await verifyWebhook(SECRET, { id: "m", timestamp: String(at), signature: sig }, "{}", clock);
      expect(result).toEqual(reason === null ? { ok: true } : { ok: false, reason });
    }
  });

  it("refuses everything when the secret is unset or malformed", async () => {
    const headers = { id: "m", timestamp: String(now()), signature: await signWebhook(SECRET, "m", now(), "") };
    for (const secret of [undefined, "", "not-a-whsec", "whsec_", "whsec_!!!!"]) {
      expect(await verifyWebhook(secret, headers, "")).toEqual({ ok: false, reason: "secret_not_configured" });
    }
  });
});
