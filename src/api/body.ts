/**
 * Reading JSON bodies: an empty body is `undefined`, a malformed one a 400,
 * an oversized one a 413 (see the body limit in app.ts).
 */
import type { Context } from "hono";
import { apiError } from "./errors";

/** Largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.length > MAX_BODY_BYTES) {
    throw apiError(413, "payload_too_large", `the body is over ${MAX_BODY_BYTES} bytes`);
  }
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw apiError(400, "invalid_json", "the body is not valid JSON");
  }
}
