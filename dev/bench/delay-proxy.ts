/**
 * A TCP proxy in front of the benchmark Postgres that holds every chunk for a
 * fixed time in each direction: the network scenario's stand-in for a
 * database in another region. Both rangemap (through the WebSocket proxy,
 * whose target it is) and the hand-rolled `pg` pool connect through it, so
 * both pay the same round trips.
 *
 * It listens on 127.0.0.1 only, forwards to one target, bounds its
 * connections and the bytes it holds per direction (the sender is paused
 * until they drain), and closes everything when the bench stops it.
 */
import net from "node:net";

export interface DelayProxy {
  port: number;
  /** Closes every connection, then the server. */
  close(): Promise<void>;
}

export interface DelayProxyOptions {
  target: { host: string; port: number };
  /** Held this long in each direction. */
  delayMs: number;
  /** More connections than this are refused. */
  maxConnections?: number;
}

/** Bytes held in one direction before its sender is paused. */
const MAX_HELD = 8 * 1024 * 1024;

/**
 * Forwards `from` to `to`, each chunk `delayMs` after it arrived. Chunks keep
 * their order: timers of one duration fire in the order they were set.
 */
function delayed(from: net.Socket, to: net.Socket, delayMs: number): void {
  let held = 0;
  from.on("data", (chunk: Buffer) => {
    held += chunk.length;
    if (held > MAX_HELD) from.pause();
    setTimeout(() => {
      held -= chunk.length;
      if (!to.destroyed) to.write(chunk);
      if (held <= MAX_HELD && from.isPaused()) from.resume();
    }, delayMs);
  });
  // The end travels as late as the data before it.
  from.on("end", () => setTimeout(() => to.end(), delayMs));
}

/**
 * @example
 * const proxy = await startDelayProxy({ target: { host: "127.0.0.1", port: 5432 }, delayMs: 10 });
 * // postgres://…@127.0.0.1:${proxy.port}/db: 20 ms more per round trip
 * await proxy.close();
 */
export async function startDelayProxy(opts: DelayProxyOptions): Promise<DelayProxy> {
  const open = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (client) => {
    const upstream = net.connect({ host: opts.target.host, port: opts.target.port, noDelay: true });
    for (const s of [client, upstream]) {
      open.add(s);
      s.on("close", () => {
        open.delete(s);
        client.destroy();
        upstream.destroy();
      });
      s.on("error", () => s.destroy());
    }
    delayed(client, upstream, opts.delayMs);
    delayed(upstream, client, opts.delayMs);
  });
  server.maxConnections = opts.maxConnections ?? 256;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("delay proxy did not get a TCP address");
  let closing: Promise<void> | undefined;
  return {
    port: address.port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        open.clear();
        server.close(() => resolve());
      })),
  };
}
