/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com), pure and
 * WebCrypto only.
 *
 * A delivery carries `webhook-id`, `webhook-timestamp` (Unix seconds) and
 * `webhook-signature`: space-separated `v1,<base64 HMAC-SHA256>` entries over
 * `"<id>.<timestamp>.<raw body>"`, keyed by the secret's bytes (`whsec_<base64>`).
 * Several entries let a sender sign with the old and the new secret while a
 * secret is rotated; one match is enough. Each comparison is constant time.
 */

/** Deliveries whose timestamp is further than this from now are refused (replay window). */
export const TOLERANCE_SECONDS = 5 * 60;

export type VerifyFailure =
  | "missing_headers"
  | "invalid_timestamp"
  | "stale_timestamp"
  | "invalid_signature"
  | "secret_not_configured";

export interface WebhookHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

const encoder = new TextEncoder();

function fromBase64(value: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) return null;
  try {
    return Uint8Array.from(atob(value), (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

function toBase64(bytes: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)));
}

/** The secret's key bytes, or null when it is not `whsec_<base64>` of at least 16 bytes. */
export function secretBytes(secret: string | undefined): Uint8Array | null {
  if (!secret?.startsWith("whsec_")) return null;
  const bytes = fromBase64(secret.slice("whsec_".length));
  return bytes && bytes.length >= 16 ? bytes : null;
}

async function hmac(key: Uint8Array, content: string): Promise<ArrayBuffer> {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", k, encoder.encode(content));
}

/**
 * The `webhook-signature` value for a delivery: what a sender computes.
 *
 * @example
 * await signWebhook("whsec_…", "msg_1", Math.floor(Date.now() / 1000), '{"canary":false}')
 * // "v1,<base64 of the HMAC>"
 */
export async function signWebhook(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const key = secretBytes(secret);
  if (!key) throw new TypeError("the webhook secret must be whsec_<base64>");
  return `v1,${toBase64(await hmac(key, `${id}.${timestamp}.${body}`))}`;
}

/** Checks a delivery; `ok` only when a `v1` signature matches and the timestamp is fresh. */
export async function verifyWebhook(
  secret: string | undefined,
  headers: WebhookHeaders,
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<{ ok: true } | { ok: false; reason: VerifyFailure }> {
  const key = secretBytes(secret);
  if (!key) return { ok: false, reason: "secret_not_configured" };
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) return { ok: false, reason: "missing_headers" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "invalid_timestamp" };
  if (Math.abs(nowSeconds - Number(timestamp)) > TOLERANCE_SECONDS) return { ok: false, reason: "stale_timestamp" };
  const expected = await hmac(key, `${id}.${timestamp}.${body}`);
  let matched = false;
  for (const entry of signature.split(" ")) {
    const comma = entry.indexOf(",");
    if (comma < 0 || entry.slice(0, comma) !== "v1") continue;
    const given = fromBase64(entry.slice(comma + 1));
    // The length of an HMAC-SHA256 is public; only equal lengths are compared, in constant time.
    if (given && given.byteLength === expected.byteLength && crypto.subtle.timingSafeEqual(given, expected)) {
      matched = true;
    }
  }
  return matched ? { ok: true } : { ok: false, reason: "invalid_signature" };
}
