// Creating a Postgres cluster the first time a data folder is used (initdb, as the
// `postgres` OS user when we are root), and remembering its random password next
// to the folder so later starts reuse it.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { OsOwner } from "./postgres-os.js";

export async function readPassword(passwordFile: string, dataDir: string): Promise<string> {
  try {
    return (await fs.readFile(passwordFile, "utf8")).trim();
  } catch {
    throw new Error(`${dataDir} is initialised but its password file ${passwordFile} is missing; delete the data folder to start over`);
  }
}

/** Runs initdb and returns the new cluster's password. */
export async function initialise(
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
      for (const stream of [child.stdout, child.stderr]) stream?.on("data", (chunk: Buffer) => output.push(chunk.toString("utf8")));
      child.once("error", (err) => {
        output.push(err.message);
        resolve(null);
      });
      child.once("exit", (c) => resolve(c));
    });
    output.join("").split("\n").filter(Boolean).forEach(log);
    if (code !== 0) throw new Error(`initdb failed (exit ${code}): ${output.join("").slice(-2000)}`);
  } catch (err) {
    await fs.rm(passwordFile, { force: true });
    await fs.rm(dataDir, { recursive: true, force: true });
    throw err;
  } finally {
    await fs.rm(pwfile, { force: true });
  }
  return password;
}
