/**
 * A TCP relay in front of Postgres for the local Hyperdrive binding.
 *
 * Locally, wrangler 4.86 (miniflare) serves a Hyperdrive binding through a
 * proxy of its own that pipes workerd's socket to the database with no
 * "error" listener on either socket. When the database side closes first (a
 * terminated backend, a restart) while workerd is still writing, that proxy
 * writes after a FIN or into a reset, and the error crashes the whole process
 * hosting it: `wrangler dev`, or the vitest run. This relay sits between that
 * proxy and Postgres and closes gently: when Postgres goes away it drops what
 * the proxy still sends and waits (up to GRACE_MS) for the client to close
 * first, as `pg` does once it has read Postgres's last error; only then does
 * it pass the close on. The proxy never sees a reset.
 */
import net from "node:net";

/** How long a connection whose database side closed waits for the client to close first. */
const GRACE_MS = 2_000;

export interface TcpRelay {
  /** host:port of the relay, on 127.0.0.1. */
  address: string;
  /** `url` with its host and port replaced by the relay's. */
  via(url: string): string;
  close(): Promise<void>;
}

function relay(inbound: net.Socket, target: { host: string; port: number }, track: (s: net.Socket) => void): void {
  const outbound = net.connect(target.port, target.host);
  // Postgres speaks in small request/reply messages: Nagle's algorithm would
  // hold each one back waiting for an ACK the other side delays.
  inbound.setNoDelay(true);
  outbound.setNoDelay(true);
  track(inbound);
  track(outbound);
  let clientDone = false;
  let databaseDone = false;
  inbound.pipe(outbound);
  outbound.pipe(inbound, { end: false });
  inbound.on("end", () => {
    clientDone = true;
    if (databaseDone) inbound.end();
  });
  const databaseGone = () => {
    if (databaseDone) return;
    databaseDone = true;
    inbound.unpipe(outbound);
    inbound.resume();
    if (clientDone) inbound.end();
    else setTimeout(() => inbound.end(), GRACE_MS).unref();
  };
  outbound.on("end", databaseGone);
  outbound.on("close", databaseGone);
  outbound.on("error", databaseGone);
  inbound.on("error", () => outbound.destroy());
}

/**
 * Relays every connection on a free 127.0.0.1 port to `target`.
 *
 * @example const relay = await startTcpRelay({ host: "127.0.0.1", port: 54329 }); relay.via(databaseUrl);
 */
export async function startTcpRelay(target: { host: string; port: number }): Promise<TcpRelay> {
  const open = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
  };
  // allowHalfOpen: the client's FIN does not close our side before Postgres has answered.
  const server = net.createServer({ allowHalfOpen: true }, (inbound) => relay(inbound, target, track));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    address: `127.0.0.1:${port}`,
    via(url) {
      const u = new URL(url);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      return u.toString();
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
