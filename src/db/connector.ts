/**
 * The database seam: everything that talks to Postgres (lanes, planning, the
 * dry run) asks this module for a connection and sees only `Connection`.
 * Which driver sits behind it is decided here, once per call, from the
 * environment; nothing outside src/db/ branches on it (DESIGN invariant 10).
 *
 * Connections are opened per invocation, never at module scope: Workers
 * forbid I/O objects shared across requests.
 */
import { neonConnector, type NeonEnv } from "./neon";
import type { Queryable } from "./sql";

/** One open connection. Errors it throws are classified: a lost or unopenable connection is a `CodedError("connection_failed")`. */
export interface Connection extends Queryable {
  /** Whether session state (SET, temp tables) survives between transactions: not behind a pool in transaction mode. */
  readonly pooling: "session" | "transaction";
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

export interface Connector {
  /** The connector's name, also sent to Postgres as part of `application_name`. */
  readonly name: string;
  connect(options?: ConnectOptions): Promise<Connection>;
}

/** The `application_name` of a connection: always starts with `rangemap-<connector>`. */
export function applicationName(connector: string, label?: string): string {
  const safe = (label ?? "").replace(/[^A-Za-z0-9_-]/g, "").slice(0, 32);
  return safe ? `${APPLICATION_NAME_PREFIX}-${connector}/${safe}` : `${APPLICATION_NAME_PREFIX}-${connector}`;
}

/** What the connectors read from the Worker's environment. */
export type DbEnv = NeonEnv;

/** The application_name every rangemap connection carries, so its backends can be told apart in `pg_stat_activity`. */
export const APPLICATION_NAME_PREFIX = "rangemap";

/** The connector this deployment uses. */
export function connectorFor(env: DbEnv): Connector {
  return neonConnector(env);
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
