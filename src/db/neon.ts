/**
 * The Neon serverless driver as a connector. The only place that knows about
 * the driver and the local WebSocket proxy.
 *
 * In production the driver talks to Neon over secure WebSockets with its
 * defaults. When `NEON_WS_PROXY` is set (`npm run dev`, tests), it talks to a
 * local WebSocket→TCP proxy in front of a plain Postgres instead, with the
 * settings measured to work there (DESIGN.md): no TLS, no pipelined connect.
 * Failures are classified in client-connection.ts, shared with Hyperdrive.
 */
import { Client } from "@neondatabase/serverless";
import { CodedError } from "../lib/errors";
import { openConnection } from "./client-connection";
import { applicationName, CONNECT_TIMEOUT_MS, type Connector } from "./connector";

export interface NeonEnv {
  /** A secret; absent in a deployment that uses Hyperdrive instead. */
  DATABASE_URL?: string;
  NEON_WS_PROXY: string;
  NEON_PIPELINE_CONNECT: string;
}

const NAME = "neon";

export function neonConnector(env: NeonEnv): Connector {
  return {
    name: NAME,
    // A connection is one backend for its life; Neon sets no statement limit of its own.
    pooling: "session",
    maxStatementMs: null,
    async connect(options = {}) {
      if (!env.DATABASE_URL) throw new CodedError("connection_failed", "DATABASE_URL is not set");
      const client = new Client({ connectionString: env.DATABASE_URL, application_name: applicationName(NAME, options.label), connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
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
      return openConnection(client, "session", client.connection);
    },
  };
}
