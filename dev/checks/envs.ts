/**
 * `npm run envs:check` (part of `npm run check`): wrangler.toml's
 * `[env.hyperdrive]` is the same Worker as the top level, with Hyperdrive in
 * place of Neon. Wrangler environments do not inherit bindings, vars or
 * secrets, so the Durable Object and queue bindings are written out twice;
 * this check fails when the copy drifts (a queue setting changed at the top
 * only, say), and when the environment stops being a Hyperdrive one.
 */
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { unstable_readConfig } from "wrangler";

const ENV = "hyperdrive";
const root = path.resolve(import.meta.dirname, "../..");
const file = path.join(root, "wrangler.toml");
const top = unstable_readConfig({ config: file });
const env = unstable_readConfig({ config: file, env: ENV });
const problems: string[] = [];

for (const field of ["name", "durable_objects", "queues", "migrations", "triggers", "compatibility_date", "compatibility_flags"] as const) {
  if (!isDeepStrictEqual(top[field], env[field])) problems.push(`[env.${ENV}] ${field} differs from the top level: ${JSON.stringify(env[field])}`);
}
const keys = (vars: Record<string, unknown>) => Object.keys(vars).sort();
if (!isDeepStrictEqual(keys(top.vars), keys(env.vars))) problems.push(`[env.${ENV}.vars] names ${keys(env.vars).join(", ")}; the top level ${keys(top.vars).join(", ")}`);
if (top.vars["DB_CONNECTOR"] !== "neon") problems.push(`[vars] DB_CONNECTOR must be "neon", not ${JSON.stringify(top.vars["DB_CONNECTOR"])}`);
if (env.vars["DB_CONNECTOR"] !== ENV) problems.push(`[env.${ENV}.vars] DB_CONNECTOR must be "${ENV}", not ${JSON.stringify(env.vars["DB_CONNECTOR"])}`);
if (top.hyperdrive.length !== 0) problems.push("the top level has a [[hyperdrive]] binding; it belongs in [env.hyperdrive]");
if (!env.hyperdrive.some((h: { binding: string }) => h.binding === "HYPERDRIVE")) problems.push(`[env.${ENV}] has no HYPERDRIVE binding`);
const secrets = (c: typeof top) => [...(c.secrets?.required ?? [])].sort();
const expected = secrets(top).filter((s) => s !== "DATABASE_URL");
if (!isDeepStrictEqual(secrets(env), expected)) problems.push(`[env.${ENV}.secrets] required should be ${JSON.stringify(expected)}, is ${JSON.stringify(secrets(env))}`);

if (problems.length) {
  console.error(`wrangler.toml:\n${problems.join("\n")}`);
  process.exit(1);
}
console.log(`envs: ok ([env.${ENV}] matches the top level, with Hyperdrive for Neon)`);
