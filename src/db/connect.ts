/**
 * Neon driver wiring. The only place that knows about the local proxy.
 *
 * In production the driver talks to Neon over secure WebSockets with its
 * defaults. When `NEON_WS_PROXY` is set (`npm run dev`, tests), it talks to a
 * local WebSocket→TCP proxy in front of a plain Postgres instead, with the
 * settings measured to work there (DESIGN.md): no TLS, no pipelined connect.
 *
 * Clients are created per invocation, never at module scope: Workers forbid
 * I/O objects shared across requests.
 */
import { Client } from "@neondatabase/serverless";

export interface DbEnv {
  DATABASE_URL: string;
  NEON_WS_PROXY: string;
  NEON_PIPELINE_CONNECT: string;
}

/** Opens a connected client. The caller must `end()` it. */
export async function openClient(env: DbEnv): Promise<Client> {
  if (!env.DATABASE_URL) throw new Error("DATABASE_URL is not set");
  const client = new Client({ connectionString: env.DATABASE_URL });
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
  // A connection error after connect (e.g. the server restarting) is surfaced
  // by the next query; without a listener it would be an uncaught error.
  client.on("error", () => {});
  await client.connect();
  return client;
}

/** Runs `fn` with a fresh client and always closes it. */
export async function withClient<T>(env: DbEnv, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await openClient(env);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}
