/**
 * What the dashboard keeps for this browser tab only (sessionStorage): the
 * API token it sends as a bearer token, and the runs opened in the tab (the
 * run list falls back to them when the Worker has no run history).
 *
 * When the API refuses the token, it is dropped and the listener set by the
 * entry module (the login view) is told, so the modules that call the API do
 * not depend on the views.
 */

const TOKEN_KEY = "rangemap.token";
const TAB_RUNS_KEY = "rangemap.tabRuns";
const TAB_RUNS_KEPT = 20;

let refused: (message: string) => void = () => undefined;

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function saveToken(value: string): void {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** Sets what happens when the API refuses the token (after it is dropped). */
export function onTokenRefused(listener: (message: string) => void): void {
  refused = listener;
}

/** The API answered 401: drop the token and ask for it again. */
export function refuseToken(message: string): void {
  forgetToken();
  refused(message);
}

/** Runs opened in this tab, the latest first. */
export function tabRuns(): string[] {
  try {
    const ids: unknown = JSON.parse(sessionStorage.getItem(TAB_RUNS_KEY) ?? "[]");
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
  } catch {
    return [];
  }
}

export function rememberRun(id: string): void {
  const ids = [id, ...tabRuns().filter((x) => x !== id)].slice(0, TAB_RUNS_KEPT);
  sessionStorage.setItem(TAB_RUNS_KEY, JSON.stringify(ids));
}
