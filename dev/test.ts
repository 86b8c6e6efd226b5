/**
 * `npm test`: the two test projects of vitest.config.ts side by side, each in
 * a vitest process of its own with a Postgres of its own (its global setup
 * starts one), so the Hyperdrive project's minutes overlap the Neon
 * project's instead of following them. Within a project, files still run one
 * at a time. Output lines are prefixed with the project's name; the exit code
 * is the first failure's. Arguments go to both processes (a file filter, -t);
 * with `--project`, vitest runs just that one, as usual.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

const args = process.argv.slice(2);
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", WRANGLER_LOG: "error" };

function run(command: string, argv: string[], prefix: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<number> {
  const child = spawn(command, argv, { env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => process.stdout.write(`${prefix}${line}\n`));
  }
  return new Promise((resolve) => child.on("close", (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

// The dashboard bundle the pool needs, built once rather than by both processes at once.
const built = await run("npm", ["run", "--silent", "build:ui"], "");
if (built !== 0) process.exit(built);

const projects = args.includes("--project") ? [null] : ["neon", "hyperdrive"];
const codes = await Promise.all(
  projects.map((p) =>
    run("npx", ["vitest", "run", ...(p ? ["--project", p] : []), ...args], p ? `[${p}] ` : "", { RANGEMAP_UI_BUILT: "1" }),
  ),
);
process.exit(codes.find((c) => c !== 0) ?? 0);
