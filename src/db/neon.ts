/**
 * The Neon serverless driver as a connector. The only place that knows about
 * the driver and the local WebSocket proxy.
 *
 * In production the driver talks to Neon over secure WebSockets with its
 * defaults. When `NEON_WS_PROXY` is set (`npm run dev`, tests), it talks to a
 * local WebSocket→TCP proxy in front of a plain Postgres instead, with the
 * settings measured to work there (DESIGN.md): no TLS, no pipelined connect.
 *
 * Failures are classified here, where the driver's behaviour is known: a
 * query error without a SQLSTATE is a lost connection only when the client
 * saw its connection fail. Anything else (a parameter the driver cannot
 * serialise, say) is the job's, and must not be retried as an outage.
 */
import { Client } from "@neondatabase/serverless";
import { CodedError, messageOf } from "../lib/errors";
import { isSqlState } from "../lib/error-policy";
import { applicationName, type Connection, type Connector } from "./connector";

export interface NeonEnv {
  DATABASE_URL: string;
  NEON_WS_PROXY: string;
  NEON_PIPELINE_CONNECT: string;
}

const NAME = "neon";

function connectionFailed(err: unknown): CodedError {
  return new CodedError("connection_failed", messageOf(err));
}

/** `server_version` as reported at startup ("17.4 (Debian …)") as `server_version_num` (170004). */
export function versionNum(serverVersion: string): number {
  const m = /^(\d+)(?:\.(\d+))?/.exec(serverVersion);
  if (!m) return 0;
  const major = Number(m[1]);
  return major >= 10 ? major * 10_000 + Number(m[2] ?? 0) : 0;
}

const TX_STATUS = { I: "idle", T: "in_transaction", E: "failed" } as const;

class NeonConnection implements Connection {
  readonly pooling = "session";
  /** Set when the driver reports the connection failed or ended without us closing it. */
  private lost = false;
  private closed = false;
  private txStatus: "idle" | "in_transaction" | "failed" = "idle";
  private version = 0;

  constructor(private readonly client: Client) {
    // The server says with every reply whether a transaction is open (ReadyForQuery),
    // and its version once at startup (ParameterStatus): both for the session protocol.
    const wire = client.connection as unknown as { on(event: string, listener: (msg: Record<string, unknown>) => void): void };
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

export function neonConnector(env: NeonEnv): Connector {
  return {
    name: NAME,
    async connect(options = {}) {
      if (!env.DATABASE_URL) throw new CodedError("connection_failed", "DATABASE_URL is not set");
      const client = new Client({ connectionString: env.DATABASE_URL, application_name: applicationName(NAME, options.label) });
      const proxy = env.NEON_WS_PROXY;
      if (proxy) {
        const config = client.neonConfig;
        config.useSecureWebSocket = false;
        config.pipelineTLS = false;
        // Pipelining the password breaks SCRAM; only a server known to ask for a
        // cleartext password (the embedded dev one, like Neon) gets it.
        config.pipelineConnect = env.NEON_PIPELINE_CONNECT === "password" ? "password" : false;
        config.coalesceWrites = false;
        config.wsProxy = (host, port) => `${proxy}/v1?address=${host}:${port}`;
      }
      const connection = new NeonConnection(client);
      try {
        await client.connect();
      } catch (err) {
        // Not `end()`: on a client whose connect failed it can wait forever for an end that never comes.
        // A server that answers with a SQLSTATE (too many connections, bad password) says why.
        throw isSqlState((err as { code?: unknown } | null)?.code) ? err : connectionFailed(err);
      }
      return connection;
    },
  };
}
