/**
 * Request bodies: one size limit (413) for every route that takes a body,
 * and JSON parsing where an empty body is `undefined` and a malformed one a 400.
 */
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { apiError } from "./errors";

/** Largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/** The body-size guard, answering with the error envelope. */
export const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw apiError(413, "payload_too_large", `the body is over ${MAX_BODY_BYTES} bytes`);
  },
});

/** Parses a JSON body already read as text. */
export function parseJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw apiError(400, "invalid_json", "the body is not valid JSON");
  }
}

export async function readJson(c: Context): Promise<unknown> {
  return parseJson(await c.req.text());
}
