/**
 * The whole local stack behind one call, shared by `npm run dev` and `npm run demo`:
 * Postgres (embedded unless a DATABASE_URL is given), the WebSocket→TCP proxy the
 * Neon driver needs, and `wrangler dev` serving the Worker with the proxy address and
 * the secrets it reads.
 *
 * Option precedence, for each setting: the option passed to startStack > the
 * environment variable > the local default.
 *   databaseUrl    DATABASE_URL        embedded Postgres, data in <root>/.data/pg
 *   pgPort         RANGEMAP_PG_PORT    54329 (embedded Postgres only)
 *   port           PORT                8787
 *   apiToken       API_TOKEN           "dev-token"
 *   webhookSecret  WEBHOOK_SECRET      "whsec_" + base64("rangemap-dev-webhook-secret")
 *   stateDir       RANGEMAP_STATE_DIR  <root>/.data
 *   driver         RANGEMAP_DRIVER     "neon" (`--driver` of `npm run dev` and the demo)
 *
 * Drivers: "neon" serves wrangler.toml's top level, whose Neon driver reaches
 * Postgres through the proxy. "hyperdrive" serves `[env.hyperdrive]`, whose
 * HYPERDRIVE binding wrangler points at the same Postgres, through a TCP
 * relay that keeps wrangler's local Hyperdrive proxy from crashing when
 * Postgres drops a connection (tcp-relay.ts), with
 * CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE; DATABASE_URL is
 * then not given to the Worker at all.
 *
 * Secrets reach wrangler through a 0600 env file under .data/, never its command line.
 *
 * A stack whose supervisor was killed leaves wrangler (and workerd) and the
 * embedded Postgres running. The next start ends them first: wrangler's process
 * group is recorded under the state folder (orphans.ts), Postgres by its
 * postmaster.pid (postgres-os.ts).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { assertPortFree, parsePgUrl } from "./net.js";
import { type LocalPostgres, startPostgres } from "./postgres.js";
import { forgetGroup, reapGroup, recordGroup } from "./orphans.js";
import { type LocalProxy, startProxy } from "./proxy.js";
import { startTcpRelay, type TcpRelay } from "./tcp-relay.js";
import { keepTail, stopProcessGroup, waitForHealthy, writeEnvFile } from "./wrangler.js";

export const DEFAULT_API_TOKEN = "dev-token";
export const DEFAULT_WEBHOOK_SECRET = `whsec_${Buffer.from("rangemap-dev-webhook-secret").toString("base64")}`;
/** The name wrangler's process group is recorded under in the state folder. */
export const WRANGLER_GROUP = "wrangler";
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The database connector the Worker uses (src/db/connector.ts). */
export type Driver = "neon" | "hyperdrive";

export function parseDriver(value: string | undefined): Driver {
  if (value === undefined || value === "" || value === "neon") return "neon";
  if (value === "hyperdrive") return "hyperdrive";
  throw new Error(`the driver must be "neon" or "hyperdrive", got "${value}"`);
}

export interface StartStackOptions {
  databaseUrl?: string;
  pgPort?: number;
  port?: number;
  apiToken?: string;
  webhookSecret?: string;
  /** true: wrangler's output goes to .data/wrangler.log instead of the terminal. */
  quiet?: boolean;
  /** Project folder wrangler runs in (its wrangler.toml, .data/). Default: this repo. */
  root?: string;
  /**
   * Send the password with the startup message. Only for a server that asks for
   * a cleartext password, as every Postgres started by dev/stack/postgres.ts does.
   * Default: true for the embedded Postgres, false for a DATABASE_URL.
   */
  pipelineConnect?: boolean;
  /** Folder for the stack's state (Postgres data, wrangler's persisted Durable Objects, logs, process records). Default: <root>/.data. */
  stateDir?: string;
  /** How long to wait for GET /healthz to answer 2xx. Default 90 s. */
  readyTimeoutMs?: number;
  /** Aborting it (e.g. on Ctrl+C) while starting stops what was started and rejects. */
  signal?: AbortSignal;
  /**
   * true: the Worker runs the dev job list (dev/jobs/index.ts: the shipped jobs
   * plus the benchmark and end-to-end jobs) instead of the shipped one. Default false.
   */
  devJobs?: boolean;
  /** The database connector. Default: RANGEMAP_DRIVER, else "neon". */
  driver?: Driver;
  /** Extra plain-text vars for the Worker (`wrangler dev --var KEY:VALUE`), e.g. the benchmark's `COORDINATOR_RPC_DELAY_MS`. */
  vars?: Record<string, string>;
}

export interface Stack {
  baseUrl: string;
  apiToken: string;
  webhookSecret: string;
  databaseUrl: string;
  /** True when the stack started the embedded Postgres (no DATABASE_URL given). */
  embeddedDatabase: boolean;
  driver: Driver;
  proxyAddress: string;
  /** Resolves with wrangler's exit code once it exits, on its own or through stop(). */
  exited: Promise<number>;
  /** Stops wrangler (SIGTERM to its process group, SIGKILL after a grace period), the proxy, then Postgres. Idempotent. */
  stop(): Promise<void>;
}

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${name} must be a TCP port, got "${raw}"`);
  return value;
}

/**
 * Starts Postgres (if needed), the proxy and `wrangler dev`, and resolves once the
 * Worker answers GET /healthz. On any failure it stops what it started, then throws.
 *
 * @example
 * const stack = await startStack({ quiet: true });
 * await fetch(`${stack.baseUrl}/healthz`);
 * await stack.stop();
 */
export async function startStack(opts: StartStackOptions = {}): Promise<Stack> {
  const root = path.resolve(opts.root ?? REPO_ROOT);
  const dataDir = path.resolve(opts.stateDir ?? (process.env.RANGEMAP_STATE_DIR || path.join(root, ".data")));
  const port = opts.port ?? envNumber("PORT", 8787);
  const apiToken = opts.apiToken ?? (process.env.API_TOKEN || DEFAULT_API_TOKEN);
  const webhookSecret = opts.webhookSecret ?? (process.env.WEBHOOK_SECRET || DEFAULT_WEBHOOK_SECRET);
  const givenUrl = opts.databaseUrl ?? (process.env.DATABASE_URL || undefined);
  const driver = opts.driver ?? parseDriver(process.env.RANGEMAP_DRIVER);
  await fs.mkdir(dataDir, { recursive: true });
  await reapGroup(dataDir, WRANGLER_GROUP, (line) => console.error(`rangemap: ${line}`));
  await assertPortFree(port, "Worker port", "set PORT to another port");

  let db: LocalPostgres | undefined;
  let proxy: LocalProxy | undefined;
  let relay: TcpRelay | undefined;
  let wrangler: ChildProcess | undefined;
  let exited: Promise<number> = Promise.resolve(0);
  const pgLog = givenUrl === undefined ? createWriteStream(path.join(dataDir, "postgres.log"), { flags: "a" }) : undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (wrangler) {
        await stopProcessGroup(wrangler, 5_000);
        await forgetGroup(dataDir, WRANGLER_GROUP);
      }
      await proxy?.close();
      await relay?.close();
      await db?.stop();
      await new Promise<void>((resolve) => (pgLog ? pgLog.end(() => resolve()) : resolve()));
    })());

  try {
    if (givenUrl === undefined) {
      const pgPort = opts.pgPort ?? envNumber("RANGEMAP_PG_PORT", 54329);
      db = await startPostgres({ dataDir: path.join(dataDir, "pg"), port: pgPort, persistent: true, log: (l) => pgLog?.write(`${l}\n`) });
    }
    opts.signal?.throwIfAborted();
    const databaseUrl = db?.url ?? givenUrl;
    if (databaseUrl === undefined) throw new Error("no database: DATABASE_URL is unset and Postgres did not start");
    const target = parsePgUrl(databaseUrl);
    proxy = await startProxy({ allow: [`${target.host}:${target.port}`] });

    const envFile = path.join(dataDir, "dev.env");
    const secrets = { API_TOKEN: apiToken, WEBHOOK_SECRET: webhookSecret };
    await writeEnvFile(envFile, driver === "neon" ? { DATABASE_URL: databaseUrl, ...secrets } : secrets);
    const childEnv: NodeJS.ProcessEnv = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };
    // Keep the secrets out of wrangler's environment: with `[secrets]` in wrangler.toml
    // it would prefer process.env over the env file.
    for (const key of ["DATABASE_URL", "API_TOKEN", "WEBHOOK_SECRET"]) delete childEnv[key];
    const args = ["dev", "--local", "--port", String(port), "--ip", "127.0.0.1", "--show-interactive-dev-session=false"];
    args.push("--var", `NEON_WS_PROXY:${proxy.address}`, "--env-file", envFile, "--persist-to", path.join(dataDir, "wrangler"));
    if (opts.pipelineConnect ?? db !== undefined) args.push("--var", "NEON_PIPELINE_CONNECT:password");
    if (driver === "hyperdrive") {
      args.push("--env", "hyperdrive");
      relay = await startTcpRelay({ host: target.host, port: target.port });
      childEnv["CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE"] = relay.via(databaseUrl);
    }
    for (const [name, value] of Object.entries(opts.vars ?? {})) args.push("--var", `${name}:${value}`);
    // Maps the job list `@jobs` to dev/jobs/index.ts for every module esbuild bundles.
    if (opts.devJobs) args.push("--tsconfig", path.join(REPO_ROOT, "dev", "jobs", "tsconfig.json"));
    const bin = path.join(REPO_ROOT, "node_modules", ".bin", "wrangler");
    const child = spawn(bin, args, {
      cwd: root,
      env: childEnv,
      detached: true, // its own process group: stop() can end wrangler and workerd together
      stdio: ["ignore", opts.quiet ? "pipe" : "inherit", opts.quiet ? "pipe" : "inherit"],
    });
    wrangler = child;
    if (child.pid !== undefined) await recordGroup(dataDir, WRANGLER_GROUP, child.pid, [bin, ...args]);
    exited = new Promise<number>((resolve) => {
      child.once("exit", (code, signal) => resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
      child.once("error", () => resolve(127));
    });
    const tail = keepTail(child, opts.quiet ? createWriteStream(path.join(dataDir, "wrangler.log"), { flags: "a" }) : undefined);

    const baseUrl = `http://127.0.0.1:${port}`;
    await waitForHealthy(`${baseUrl}/healthz`, exited, opts.readyTimeoutMs ?? 90_000, tail, opts.signal);
    return {
      baseUrl,
      apiToken,
      webhookSecret,
      databaseUrl,
      embeddedDatabase: db !== undefined,
      driver,
      proxyAddress: proxy.address,
      exited,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
