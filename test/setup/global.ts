/**
 * Vitest global setup (Node side): starts a real Postgres, the Neon
 * WebSocket proxy and the TCP relay for the Hyperdrive binding, for the
 * Worker under test, seeds the tables the tests read,
 * and serves a small control endpoint on 127.0.0.1 through which fault tests
 * restart Postgres. Everything it starts it stops in teardown. While the run
 * lasts, a reset socket of wrangler's local Hyperdrive proxy does not crash it
 * (socket-resets.ts).
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { findFreePort, startPostgres, type LocalPostgres } from "../../dev/stack/postgres.js";
import { startProxy } from "../../dev/stack/proxy.js";
import { startTcpRelay } from "../../dev/stack/tcp-relay.js";
import { seedOrders } from "../../dev/stack/seed.js";
import { createFixtures } from "./fixtures.js";
import { tolerateSocketResets } from "./socket-resets.js";

/** Rows in the shared `orders` table the integration tests run over. */
export const TEST_ORDERS_ROWS = 50_000;

export default async function setup(project: TestProject) {
  const untolerate = tolerateSocketResets();
  const dir = await mkdtemp(path.join(tmpdir(), "rangemap-test-"));
  // Postgres runs as its own OS user when we are root; it must reach its data dir.
  await chmod(dir, 0o755);
  const options = { dataDir: path.join(dir, "pg"), port: await findFreePort(), persistent: true };
  let db: LocalPostgres = await startPostgres(options);
  const proxy = await startProxy({ allow: [`${db.host}:${db.port}`] });
  // The "hyperdrive" test project's binding goes through the relay (see tcp-relay.ts).
  const relay = await startTcpRelay({ host: db.host, port: db.port });
  await seedOrders(db.url, TEST_ORDERS_ROWS);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query("CREATE TABLE IF NOT EXISTS poison_keys (key bigint PRIMARY KEY)");
  await client.end();
  await createFixtures(db.url);

  // POST /postgres/restart?downMs=N stops Postgres, waits N ms, starts it again.
  const control = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://control");
    if (req.method !== "POST" || url.pathname !== "/postgres/restart") {
      res.writeHead(404).end();
      return;
    }
    const downMs = Math.min(Number(url.searchParams.get("downMs") ?? "0") || 0, 30_000);
    void (async () => {
      await db.stop();
      await new Promise((r) => setTimeout(r, downMs));
      db = await startPostgres(options);
    })().then(
      () => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}'),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  const controlPort = (control.address() as AddressInfo).port;

  project.provide("databaseUrl", db.url);
  project.provide("wsProxy", proxy.address);
  project.provide("hyperdriveUrl", relay.via(db.url));
  project.provide("controlUrl", `http://127.0.0.1:${controlPort}`);
  return async () => {
    await new Promise((r) => control.close(r));
    await proxy.close();
    await relay.close();
    await db.stop();
    await rm(dir, { recursive: true, force: true });
    untolerate();
  };
}
