/**
 * wrangler 4.86 serves a Hyperdrive binding locally through a proxy of its
 * own (miniflare, running in this vitest process) that pipes workerd's socket
 * to Postgres with no "error" listener. When a connection is reset on either
 * side (workerd dropping a socket whose request ended, Postgres restarting),
 * that proxy's socket errors with ECONNRESET or EPIPE, and Node turns a socket
 * error nobody listens to into a crash of the whole test run. The Worker sees
 * such a reset as a lost connection and handles it (that is what the fault
 * tests check), so this process lets exactly those pass, and nothing else.
 */

const RESETS = new Set(["ECONNRESET", "EPIPE"]);

/** Installs the filter; the returned function removes it. */
export function tolerateSocketResets(): () => void {
  const handler = (err: Error) => {
    if (RESETS.has(String((err as NodeJS.ErrnoException).code))) return;
    // Anything else is a real crash, as without this handler.
    throw err;
  };
  process.on("uncaughtException", handler);
  return () => process.off("uncaughtException", handler);
}
