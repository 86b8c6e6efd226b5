/**
 * Vitest global setup (Node side): starts a real Postgres and the Neon
 * WebSocket proxy for the Worker under test, and seeds the tables the tests
 * read. Everything it starts it stops in teardown.
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { findFreePort, startPostgres } from "../../dev/lib/postgres";
import { startProxy } from "../../dev/lib/proxy";
import { seedOrders } from "../../dev/lib/seed";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    wsProxy: string;
  }
}

/** Rows in the shared `orders` table the integration tests run over. */
export const TEST_ORDERS_ROWS = 50_000;

export default async function setup(project: TestProject) {
  const dir = await mkdtemp(path.join(tmpdir(), "rangemap-test-"));
  // Postgres runs as its own OS user when we are root; it must reach its data dir.
  await chmod(dir, 0o755);
  const pg = await startPostgres({
    dataDir: path.join(dir, "pg"),
    port: await findFreePort(),
    persistent: false,
  });
  const proxy = await startProxy({ allow: [`${pg.host}:${pg.port}`] });
  await seedOrders(pg.url, TEST_ORDERS_ROWS);
  project.provide("databaseUrl", pg.url);
  project.provide("wsProxy", proxy.address);
  return async () => {
    await proxy.close();
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
