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
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; command?: string }>;
  end(): Promise<unknown>;
}

/** The protocol-level events both drivers' connections emit. */
interface WireEvents {
  on(event: string, listener: (msg: Record<string, unknown>) => void): unknown;
}

/** `server_version` as reported at startup ("17.4 (Debian …)") as `server_version_num` (170004). */
export function versionNum(serverVersion: string): number {
  const m = /^(\d+)(?:\.(\d+))?/.exec(serverVersion);
  if (!m) return 0;
  const major = Number(m[1]);
  return major >= 10 ? major * 10_000 + Number(m[2] ?? 0) : 0;
}

const TX_STATUS = { I: "idle", T: "in_transaction", E: "failed" } as const;

function connectionFailed(err: unknown): CodedError {
  return new CodedError("connection_failed", messageOf(err));
}

class ClientConnection implements Connection {
  /** Set when the driver reports the connection failed or ended without us closing it. */
  private lost = false;
  private closed = false;
  private txStatus: "idle" | "in_transaction" | "failed" = "idle";
  private version = 0;

  constructor(
    private readonly client: PgStyleClient,
    readonly pooling: Connection["pooling"],
    wire: WireEvents,
  ) {
    // The server says with every reply whether a transaction is open (ReadyForQuery),
    // and its version once at startup (ParameterStatus): both for the session protocol.
    wire.on("readyForQuery", (msg) => {
      const status = msg["status"];
      if (status === "I" || status === "T" || status === "E") this.txStatus = TX_STATUS[status];
    });
    wire.on("parameterStatus", (msg) => {
      if (msg["parameterName"] === "server_version" && typeof msg["parameterValue"] === "string") this.version = versionNum(msg["parameterValue"]);
    });
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

  async commit(): Promise<boolean> {
    // Postgres answers COMMIT of a failed transaction with the tag ROLLBACK, and no error.
    const result = await this.client.query("COMMIT");
    return result.command !== "ROLLBACK";
  }

  transactionStatus(): "idle" | "in_transaction" | "failed" {
    return this.txStatus;
  }

  serverVersionNum(): number {
    return this.version;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.end().catch(() => {});
  }
}

/**
 * Connects `client` and wraps it; a connect that fails without a SQLSTATE is
 * `connection_failed`. `wire` is the driver's protocol connection (its
 * `connection` property), whose messages the session protocol reads.
 */
export async function openConnection(client: PgStyleClient, pooling: Connection["pooling"], wire: unknown): Promise<Connection> {
  const connection = new ClientConnection(client, pooling, wire as WireEvents);
  try {
    await client.connect();
  } catch (err) {
    // Not `end()`: on a client whose connect failed it can wait forever for an end that never comes.
    // A server that answers with a SQLSTATE (too many connections, bad password) says why.
    throw isSqlState((err as { code?: unknown } | null)?.code) ? err : connectionFailed(err);
  }
  return connection;
}
