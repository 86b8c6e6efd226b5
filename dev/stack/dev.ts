/**
 * `npm run dev [-- --driver neon|hyperdrive]`: the local stack in the foreground until Ctrl+C. All the work lives in
 * stack.ts (shared with the demo); this file prints what a developer needs and
 * turns signals and a dying wrangler into an orderly shutdown and an exit code.
 */
import { parseArgs } from "node:util";
import { maskUrl } from "./net.js";
import { DEFAULT_API_TOKEN, DEFAULT_WEBHOOK_SECRET, type Driver, parseDriver, type Stack, startStack } from "./stack.js";

let driver: Driver | undefined;
try {
  const { values } = parseArgs({ options: { driver: { type: "string" } } });
  driver = values.driver === undefined ? undefined : parseDriver(values.driver);
} catch (err) {
  console.error(`rangemap dev: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
}

let stack: Stack | undefined;
let shuttingDown = false;
const startup = new AbortController();

async function shutdown(code: number, why: string): Promise<never> {
  if (stack === undefined) {
    // Still starting: startStack stops what it started, then rejects (handled below).
    startup.abort(new Error(`interrupted by ${why}`));
    return new Promise<never>(() => {});
  }
  if (!shuttingDown) {
    shuttingDown = true;
    console.log(`\nrangemap dev: ${why}; stopping…`);
    await stack.stop().catch((err: unknown) => console.error(`rangemap dev: error while stopping: ${String(err)}`));
  }
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0, "SIGINT"));
process.on("SIGTERM", () => void shutdown(0, "SIGTERM"));

try {
  stack = await startStack({ signal: startup.signal, driver });
} catch (err) {
  console.error(`rangemap dev: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(startup.signal.aborted ? 0 : 1);
}

const shown = (value: string, fallback: string, name: string) =>
  value === fallback ? `${value}  (local default; set ${name} to change)` : `(from ${name})`;
console.log("");
console.log(`rangemap dev stack ready: ${stack.baseUrl}`);
console.log(`  database        ${maskUrl(stack.databaseUrl)}${stack.embeddedDatabase ? "  (embedded, data in .data/pg)" : ""}`);
console.log(`  driver          ${stack.driver}${stack.driver === "hyperdrive" ? "  (pg over the HYPERDRIVE binding, [env.hyperdrive])" : "  (Neon driver through the ws proxy)"}`);
console.log(`  ws proxy        ${stack.proxyAddress}  (NEON_WS_PROXY)`);
console.log(`  API_TOKEN       ${shown(stack.apiToken, DEFAULT_API_TOKEN, "API_TOKEN")}`);
console.log(`  WEBHOOK_SECRET  ${shown(stack.webhookSecret, DEFAULT_WEBHOOK_SECRET, "WEBHOOK_SECRET")}`);
console.log("  Ctrl+C stops everything.");

const code = await stack.exited;
if (!shuttingDown) await shutdown(code, `wrangler exited with code ${code}`);
