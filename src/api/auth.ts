/**
 * Bearer-token auth for `/api`. The token is compared in constant time (both
 * sides are hashed first, so even the length does not leak). With no
 * `API_TOKEN` configured every call is refused: the API fails closed.
 */
import { createMiddleware } from "hono/factory";
import { apiError } from "./errors";

const encoder = new TextEncoder();

async function digest(value: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", encoder.encode(value));
}

/** Constant-time string equality. */
export async function safeEqual(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([digest(a), digest(b)]);
  return crypto.subtle.timingSafeEqual(da, db);
}

export const requireToken = createMiddleware<{ Bindings: Env }>(async (c, next) => {
  const expected = c.env.API_TOKEN;
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!expected || !match?.[1] || !(await safeEqual(match[1], expected))) {
    c.header("WWW-Authenticate", 'Bearer realm="rangemap"');
    throw apiError(401, "unauthorized", "a valid bearer token is required");
  }
  await next();
});
