// Port checks shared by the local stack's servers. Each server binds 127.0.0.1 only;
// checking a fixed port up front turns a busy port into an error that names it,
// instead of a child process dying with its own, harder to read, message.

import net from "node:net";

/**
 * Rejects with an Error naming the port if 127.0.0.1:port cannot be bound.
 *
 * @example await assertPortFree(8787, "Worker port", "set PORT to another port");
 */
export function assertPortFree(port: number, label: string, hint: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (err: NodeJS.ErrnoException) => {
      const reason = err.code === "EADDRINUSE" ? "is already in use" : `cannot be used (${err.code ?? err.message})`;
      reject(new Error(`${label} ${port} on 127.0.0.1 ${reason}; ${hint}`));
    });
    server.listen({ host: "127.0.0.1", port, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** Asks the OS for a free TCP port on 127.0.0.1 (listen on port 0, read it, close). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("could not read the assigned port"))));
    });
  });
}
