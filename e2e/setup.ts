/**
 * Global setup of the end-to-end tests: a whole local stack of its own. It
 * runs in a temporary project folder (symlinks to this repo's wrangler.toml,
 * src/ and node_modules/), so its `.data/` (Postgres, Durable Object state,
 * the secrets file) never touches a developer's `npm run dev`, and on free
 * ports, so it can run beside one. Everything is stopped and removed after.
 */
import { rm, symlink } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { findFreePort } from "../dev/stack/net.js";
import { reachableTempDir } from "../dev/stack/postgres-os.js";
import { seedOrders } from "../dev/stack/seed.js";
import { startStack } from "../dev/stack/stack.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Rows in `orders` for the end-to-end runs. */
export const E2E_ORDERS_ROWS = 100_000;
export const E2E_TOKEN = "e2e-token";

export default async function setup(project: TestProject) {
  const root = await reachableTempDir("rangemap-e2e-");
  for (const name of ["wrangler.toml", "src", "node_modules", "package.json", "tsconfig.json"]) {
    await symlink(path.join(REPO, name), path.join(root, name));
  }
  // Always the embedded Postgres: the tests drop and reseed tables.
  delete process.env.DATABASE_URL;
  const started = Date.now();
  const stack = await startStack({
    root,
    port: await findFreePort(),
    pgPort: await findFreePort(),
    apiToken: E2E_TOKEN,
    quiet: true,
    devJobs: true, // staged-payments-total
  });
  await seedOrders(stack.databaseUrl, E2E_ORDERS_ROWS);
  console.log(`e2e stack up at ${stack.baseUrl} in ${((Date.now() - started) / 1000).toFixed(1)}s (${root})`);
  project.provide("baseUrl", stack.baseUrl);
  project.provide("apiToken", stack.apiToken);
  project.provide("databaseUrl", stack.databaseUrl);
  return async () => {
    await stack.stop();
    await rm(root, { recursive: true, force: true });
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    apiToken: string;
    databaseUrl: string;
  }
}
