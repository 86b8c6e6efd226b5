/**
 * The database seam: everything that talks to Postgres (lanes, planning, the
 * dry run) asks this module for a connection and sees only `Connection`.
 * Which driver sits behind it is decided here, once per call, from the
 * environment; nothing outside src/db/ branches on it (DESIGN invariant 10).
 *
 * A deployment picks its connector with the var `DB_CONNECTOR`:
 * - "neon" (the default, and what an empty or missing value means): the Neon
 *   serverless driver over WebSocket, to the `DATABASE_URL` secret (neon.ts);
 * - "hyperdrive": `pg` over the `HYPERDRIVE` binding (hyperdrive.ts), set by
 *   `[env.hyperdrive]` in wrangler.toml.
 * A connector whose binding or secret is missing, or an unknown name, fails
 * on connect with a `connection_failed` that says what is missing: planning a
 * run then answers `database_unavailable`, and the log has the reason.
 *
 * What differs between connectors beyond the driver is declared here as data
 * (`pooling`, `maxStatementMs`), and read by the code it constrains.
 *
 * Connections are opened per invocation, never at module scope: Workers
 * forbid I/O objects shared across requests.
 */
import { CodedError } from "../lib/errors";
import { hyperdriveConnector, type HyperdriveEnv } from "./hyperdrive";
import { neonConnector, type NeonEnv } from "./neon";
import type { Queryable } from "./sql";

/** One open connection. Errors it throws are classified: a lost or unopenable connection is a `CodedError("connection_failed")`. */
export interface Connection extends Queryable {
  /** The connector's pooling (see ConnectorLimits): what the session protocol (session.ts) may rely on. */
  readonly pooling: ConnectorLimits["pooling"];
  /** Commits the open transaction; false when Postgres rolled it back instead (it had failed). */
  commit(): Promise<boolean>;
  /** The transaction status the server reported with its last reply. */
  transactionStatus(): "idle" | "in_transaction" | "failed";
  /** `server_version_num` as the server reported it at startup (0 when unknown). */
  serverVersionNum(): number;
  /** Closes the connection; never throws. */
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Appended to `application_name` (`rangemap-<connector>/<label>`), e.g. the consumer invocation. */
  label?: string | undefined;
}

/** The limits a connector puts on what runs over it. */
export interface ConnectorLimits {
  /**
   * The longest one statement may run, or null when only the run's own
   * timeout applies. A run's range timeout is capped at it (src/runs/options.ts).
   */
  readonly maxStatementMs: number | null;
  /**
   * What survives between two transactions on one `Connection`:
   * - "session": the connection is one backend for its life; a `SET` lasts until it closes;
   * - "transaction": a pooler may hand the next transaction to another backend,
   *   so session state must be set with `SET LOCAL` inside each transaction.
   */
  readonly pooling: "session" | "transaction";
}

export interface Connector extends ConnectorLimits {
  /** The connector's name, also sent to Postgres as part of `application_name`. */
  readonly name: string;
  connect(options?: ConnectOptions): Promise<Connection>;
}

/** What the connectors read from the Worker's environment. */
export type DbEnv = NeonEnv & HyperdriveEnv & { DB_CONNECTOR?: string };

/** A connect that has not finished by then fails as `connection_failed` (a database that is down may never answer). */
export const CONNECT_TIMEOUT_MS = 10_000;

/** The application_name every rangemap connection carries, so its backends can be told apart in `pg_stat_activity`. */
export const APPLICATION_NAME_PREFIX = "rangemap";

/** The `application_name` of a connection: always starts with `rangemap-<connector>`. */
export function applicationName(connector: string, label?: string): string {
  const safe = (label ?? "").replace(/[^A-Za-z0-9_-]/g, "").slice(0, 32);
  return safe ? `${APPLICATION_NAME_PREFIX}-${connector}/${safe}` : `${APPLICATION_NAME_PREFIX}-${connector}`;
}

/** A connector that cannot connect, for a `DB_CONNECTOR` that names none. */
function unknownConnector(name: string): Connector {
  return {
    name,
    pooling: "session",
    maxStatementMs: null,
    connect: () => Promise.reject(new CodedError("connection_failed", `DB_CONNECTOR is "${name}"; it must be "neon" or "hyperdrive"`)),
  };
}

/** The connector this deployment uses. Never throws: a misconfiguration surfaces on connect. */
export function connectorFor(env: DbEnv): Connector {
  const name = env.DB_CONNECTOR || "neon";
  if (name === "neon") return neonConnector(env);
  if (name === "hyperdrive") return hyperdriveConnector(env);
  return unknownConnector(name);
}

/**
 * Runs `fn` on a fresh connection and always closes it.
 *
 * @example const n = await withConnection(env, async (c) => (await c.query("SELECT 1")).rows.length);
 */
export async function withConnection<T>(env: DbEnv, fn: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await connectorFor(env).connect();
  try {
    return await fn(connection);
  } finally {
    await connection.close();
  }
}
