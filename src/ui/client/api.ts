/**
 * Calls to the Worker's `/api`, with the tab's token as a bearer token. An
 * error answer becomes an ApiError with the envelope's code and message; a
 * 401 also drops the token (see session.ts).
 */
import { refuseToken, token } from "./session";
import type { ErrorEnvelope } from "./wire";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The message of anything caught, for the page. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** true when `err` is the API refusing the token (already handled by the login view). */
export function isRefused(err: unknown): boolean {
  return err instanceof ApiError && err.status === 401;
}

export function authorization(): string {
  return `Bearer ${token() ?? ""}`;
}

function isEnvelope(json: unknown): json is ErrorEnvelope {
  if (typeof json !== "object" || json === null || !("error" in json)) return false;
  const { error } = json;
  return typeof error === "object" && error !== null && "code" in error && "message" in error;
}

/** Calls the API; the answer is `T` as the HTTP contract describes it. */
export async function api<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: { authorization: authorization(), "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let json: unknown = null;
  try {
    json = await res.json();
  } catch {
    json = null;
  }
  if (res.status === 401) refuseToken("The API refused the token; enter it again.");
  if (!res.ok) {
    const { code, message } = isEnvelope(json) ? json.error : { code: `http_${res.status}`, message: `HTTP ${res.status}` };
    throw new ApiError(res.status, code, message);
  }
  return json as T;
}
