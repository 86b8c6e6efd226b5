/**
 * Workers cannot open raw TCP to a local Postgres, but they can open WebSockets, and
 * the Neon serverless driver speaks the Postgres wire protocol over a WebSocket. This
 * is the local stand-in for Neon's WebSocket proxy: it accepts `/v1?address=host:port`
 * (and `/v2`, the driver's default path) and pipes bytes to that TCP target. It only
 * forwards to the targets it was started with, so it is never an open proxy, and it
 * listens on 127.0.0.1 only.
 *
 * Loopback is not a boundary for a browser: any web page the developer opens may
 * open a WebSocket to 127.0.0.1. Browsers always send an `Origin` header with
 * it, and the Worker's WebSocket never does, so an upgrade that carries one is
 * refused: no web page reaches the local Postgres through this proxy.
 */
import http from "node:http";
import net from "node:net";
import type { Duplex } from "node:stream";
import { type RawData, WebSocket, WebSocketServer } from "ws";

export interface StartProxyOptions {
  /** Exact "host:port" targets that may be reached, e.g. ["127.0.0.1:5432"]. */
  allow: string[];
  /** 0 or absent: a random free port. */
  port?: number;
}

export interface LocalProxy {
  port: number;
  /** "127.0.0.1:<port>", the value for the Worker's NEON_WS_PROXY var. */
  address: string;
  /** Terminates every open connection, then closes the server. */
  close(): Promise<void>;
}

const PATHS = new Set(["/v1", "/v2"]);
/** Stop reading Postgres while this much is queued towards a slow WebSocket. */
const HIGH_WATER = 4 * 1024 * 1024;

/** "localhost:5432" and "127.0.0.1:5432" name the same target; anything unparsable is undefined. */
function normaliseTarget(target: string): { host: string; port: number; key: string } | undefined {
  const match = /^(.+):(\d{1,5})$/.exec(target.trim());
  if (!match?.[1] || !match[2]) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  let host = match[1].toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (host === "localhost") host = "127.0.0.1";
  return { host, port, key: `${host}:${port}` };
}

function refuse(socket: Duplex, status: 403 | 404 | 400, message: string): void {
  const reason = http.STATUS_CODES[status] ?? "Error";
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  );
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

/** Pipes one WebSocket to one TCP connection until either side ends. */
function bridge(ws: WebSocket, host: string, port: number, open: Set<() => void>): void {
  const tcp = net.connect({ host, port });
  tcp.setNoDelay(true);
  const kill = () => {
    tcp.destroy();
    ws.terminate();
  };
  open.add(kill);

  ws.on("message", (data) => {
    // net.Socket queues writes made while it is still connecting, so nothing is lost.
    if (!tcp.write(toBuffer(data))) ws.pause();
  });
  tcp.on("drain", () => ws.resume());
  tcp.on("data", (chunk) => {
    ws.send(chunk, { binary: true }, () => {
      if (tcp.isPaused() && ws.bufferedAmount < HIGH_WATER) tcp.resume();
    });
    if (ws.bufferedAmount >= HIGH_WATER) tcp.pause();
  });

  ws.on("close", () => {
    open.delete(kill);
    tcp.end();
  });
  ws.on("error", () => {
    open.delete(kill);
    tcp.destroy();
  });
  tcp.on("close", () => {
    open.delete(kill);
    if (ws.readyState === WebSocket.OPEN) ws.close(1000);
    else ws.terminate();
  });
  tcp.on("error", () => {
    // "close" follows and closes the WebSocket; the driver sees the connection drop.
  });
}

/**
 * Starts the proxy on 127.0.0.1.
 *
 * @example
 * const proxy = await startProxy({ allow: ["127.0.0.1:54329"] });
 * // Neon driver: neonConfig.wsProxy = (host, port) => `${proxy.address}/v1?address=${host}:${port}`
 * await proxy.close();
 */
export async function startProxy(opts: StartProxyOptions): Promise<LocalProxy> {
  const allowed = new Set<string>();
  for (const entry of opts.allow) {
    const target = normaliseTarget(entry);
    if (!target) throw new Error(`proxy allowlist entry is not host:port: ${entry}`);
    allowed.add(target.key);
  }
  const open = new Set<() => void>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
  const server = http.createServer((_req, res) => {
    res.writeHead(426, { "Content-Type": "text/plain" }).end("WebSocket upgrade required\n");
  });

  server.on("upgrade", (req, socket, head) => {
    socket.on("error", () => socket.destroy());
    const url = new URL(req.url ?? "/", "http://proxy.invalid");
    if (req.headers.origin !== undefined) return refuse(socket, 403, "WebSocket upgrades from browsers (an Origin header) are refused\n");
    if (!PATHS.has(url.pathname)) return refuse(socket, 404, "unknown path; use /v1?address=host:port\n");
    const target = normaliseTarget(url.searchParams.get("address") ?? "");
    if (!target) return refuse(socket, 400, "missing or malformed address=host:port\n");
    if (!allowed.has(target.key)) return refuse(socket, 403, `target ${target.key} is not allowed by this proxy\n`);
    wss.handleUpgrade(req, socket, head, (ws) => bridge(ws, target.host, target.port, open));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: opts.port ?? 0 }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy did not get a TCP address");
  const port = address.port;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= new Promise<void>((resolve) => {
      for (const kill of [...open]) kill();
      open.clear();
      wss.close();
      server.close(() => resolve());
      server.closeAllConnections();
    }));
  return { port, address: `127.0.0.1:${port}`, close };
}
