/**
 * A `Connection` over a node-postgres style client, shared by both connectors
 * (the Neon driver's `Client` is a fork of pg's, with the same events and
 * errors). The classification contract lives here once, so the two connectors
 * cannot drift apart:
 * - an error with a SQLSTATE passes through as it is (the policy table reads it);
 * - an error without one is a lost connection (`connection_failed`) only when
 *   the client saw its connection fail or end;
 * - anything else (a parameter the driver cannot serialise, say) is the job's,
 *   and must not be retried as an outage.
 */
import { CodedError, messageOf } from "../lib/errors";
import { isSqlState } from "../lib/error-policy";
import type { Connection } from "./connector";

/** What both drivers' `Client` offer, and all this module uses of them. */
export interface PgStyleClient {
  on(event: "error", listener: (err: Error) => void): unknown;
  on(event: "end", listener: () => void): unknown;
  connect(): Promise<unknown>;
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  end(): Promise<unknown>;
}

function connectionFailed(err: unknown): CodedError {
  return new CodedError("connection_failed", messageOf(err));
}

class ClientConnection implements Connection {
  /** Set when the driver reports the connection failed or ended without us closing it. */
  private lost = false;
  private closed = false;

  constructor(private readonly client: PgStyleClient) {
    // Without an "error" listener a connection error after connect would be uncaught.
    client.on("error", () => {
      this.lost = true;
    });
    client.on("end", () => {
      if (!this.closed) this.lost = true;
    });
  }

  async query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> {
    if (this.closed) throw new CodedError("job_error", "the range's connection is closed; a query ran after its range ended");
    try {
      return await this.client.query(text, values);
    } catch (err) {
      if (isSqlState((err as { code?: unknown } | null)?.code)) throw err;
      throw this.lost ? connectionFailed(err) : err;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.end().catch(() => {});
  }
}

/** Connects `client` and wraps it; a connect that fails without a SQLSTATE is `connection_failed`. */
export async function openConnection(client: PgStyleClient): Promise<Connection> {
  const connection = new ClientConnection(client);
  try {
    await client.connect();
  } catch (err) {
    // Not `end()`: on a client whose connect failed it can wait forever for an end that never comes.
    // A server that answers with a SQLSTATE (too many connections, bad password) says why.
    throw isSqlState((err as { code?: unknown } | null)?.code) ? err : connectionFailed(err);
  }
  return connection;
}
