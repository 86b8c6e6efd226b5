/**
 * Addresses on this machine for the local stack: ports and Postgres URLs.
 *
 * Each server binds 127.0.0.1 only; checking a fixed port up front turns a
 * busy port into an error that names it, instead of a child process dying with
 * its own, harder to read, message.
 *
 * Postgres connection URLs carry a password, and the dev tooling prints URLs
 * to the terminal and to logs. Everything that shows a URL goes through
 * maskUrl, so a password never reaches the screen; parsePgUrl gives the parts
 * the proxy and the stack need (the proxy allowlist is built from host and port).
 */
import net from "node:net";

/**
 * Rejects with an Error naming the port if 127.0.0.1:port cannot be bound.
 *
 * @example await assertPortFree(8787, "Worker port", "set PORT to another port");
 */
export function assertPortFree(port: number, label: string, hint: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (err: NodeJS.ErrnoException) => {
      const reason = err.code === "EADDRINUSE" ? "is already in use" : `cannot be used (${err.code ?? err.message})`;
      reject(new Error(`${label} ${port} on 127.0.0.1 ${reason}; ${hint}`));
    });
    server.listen({ host: "127.0.0.1", port, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** Asks the OS for a free TCP port on 127.0.0.1 (listen on port 0, read it, close). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("could not read the assigned port"))));
    });
  });
}

export interface PgUrlParts {
  host: string;
  port: number;
  database: string;
  user: string;
}

const PG_PROTOCOLS = new Set(["postgres:", "postgresql:"]);

/**
 * Returns the URL with its password replaced by `****`; URLs without a password are
 * returned unchanged. Never throws: anything unparsable becomes "<invalid url>".
 *
 * @example maskUrl("postgres://app:s3cret@db:5432/x") // "postgres://app:****@db:5432/x"
 */
export function maskUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "<invalid url>";
  }
  if (parsed.password !== "") parsed.password = "****";
  return parsed.toString();
}

/**
 * Splits a postgres:// or postgresql:// URL into the parts needed to reach it.
 * Defaults follow libpq: port 5432, user "postgres", database = user.
 * Throws an Error (that never contains the password) on anything else.
 *
 * @example parsePgUrl("postgres://app:pw@127.0.0.1:54329/rangemap")
 * // { host: "127.0.0.1", port: 54329, database: "rangemap", user: "app" }
 */
export function parsePgUrl(url: string): PgUrlParts {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error("invalid Postgres URL: <invalid url>");
  }
  if (!PG_PROTOCOLS.has(parsed.protocol)) {
    throw new Error(`not a Postgres URL (expected postgres://): ${maskUrl(url)}`);
  }
  // IPv6 literals come back bracketed ("[::1]"); callers want the bare address.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw new Error(`Postgres URL has no host: ${maskUrl(url)}`);
  const port = parsed.port === "" ? 5432 : Number(parsed.port);
  const user = parsed.username === "" ? "postgres" : decodeURIComponent(parsed.username);
  const path = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  return { host, port, database: path === "" ? user : path, user };
}
