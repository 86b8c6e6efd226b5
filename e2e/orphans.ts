/**
 * `npm run test:orphans`: a local stack whose supervisor is SIGKILLed mid-run
 * leaves `wrangler dev` (with workerd) and the embedded Postgres running; the
 * next `npm run dev` on the same ports and state folder must end them and
 * start, and the run must still finish with the exact result.
 *
 * It runs the real supervisor (`tsx dev/stack/dev.ts`) twice, on free ports
 * with a state folder of its own (RANGEMAP_STATE_DIR), so it does not disturb a
 * developer's `npm run dev`. The supervisor's process groups (wrangler's and
 * Postgres', each started detached) are found from /proc as its children,
 * independently of what the stack records about itself. Once the second
 * instance is up, every group of the first must be gone; after a clean stop of
 * the second, every group of its own too. Exits 0 only then.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { RangemapClient } from "../cli/client.js";
import { runToATenth } from "./interrupted-run.js";
import { sleep } from "../src/lib/sleep.js";
import { findFreePort } from "../dev/stack/net.js";
import { groupMembers } from "../dev/stack/orphans.js";
import { reachableTempDir } from "../dev/stack/postgres-os.js";
import { ordersTruth, seedOrders } from "../dev/stack/seed.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ROWS = 200_000;
const TOKEN = "orphans-token";
const t0 = Date.now();
const say = (line: string) => console.log(`[orphans-test ${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);

const state = await reachableTempDir("rangemap-orphans-");
const port = await findFreePort();
const pgPort = await findFreePort();
const env: NodeJS.ProcessEnv = {
  ...process.env,
  PORT: String(port),
  RANGEMAP_PG_PORT: String(pgPort),
  RANGEMAP_STATE_DIR: state,
  API_TOKEN: TOKEN,
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
};
delete env.DATABASE_URL; // always the embedded Postgres: it is one of the orphans

/** The process groups of `pid`'s children that are not its own group: what it started detached. */
function childGroups(pid: number): number[] {
  const ownGroup = statOf(pid)?.pgrp;
  const groups = new Set<number>();
  for (const entry of readdirSync("/proc")) {
    const stat = /^\d+$/.test(entry) ? statOf(Number(entry)) : undefined;
    if (stat && stat.ppid === pid && stat.pgrp !== ownGroup) groups.add(stat.pgrp);
  }
  return [...groups];
}

function statOf(pid: number): { ppid: number; pgrp: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(fields[1]), pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

const live = (groups: number[]) => groups.reduce((n, g) => n + groupMembers(g).length, 0);

/** Cleanup only: ends the groups this test saw its supervisors start. */
async function endGroups(groups: number[]): Promise<void> {
  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    for (const g of groups) {
      try {
        if (groupMembers(g).length > 0) process.kill(-g, signal);
      } catch {
        // already gone
      }
    }
    for (const deadline = Date.now() + 5_000; Date.now() < deadline && live(groups) > 0; ) await sleep(100);
  }
}

/** Every supervisor started, and every process group seen under one: the cleanup ends exactly these. */
const supervisors: ChildProcess[] = [];
const seen = new Set<number>();

/**
 * Starts `npm run dev`'s supervisor and resolves once it prints that the stack
 * is ready. One node process running dev.ts (the `tsx` command would put a
 * wrapper process in front of it, and the SIGKILL would hit the wrapper).
 */
async function startSupervisor(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(REPO, "dev", "stack", "dev.ts")], {
    cwd: REPO,
    env,
    detached: true, // not in our process group: only the SIGKILL we send reaches it
    stdio: ["ignore", "pipe", "pipe"],
  });
  supervisors.push(child);
  const tail: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the stack was not ready in 180 s:\n${tail.join("")}`)), 180_000);
    const onData = (chunk: Buffer) => {
      tail.push(chunk.toString());
      tail.splice(0, Math.max(0, tail.length - 30));
      if (chunk.toString().includes("rangemap dev stack ready")) {
        clearTimeout(timer);
        resolve();
      }
    };
    // Kept reading to the end: an orphaned wrangler still writes to these pipes.
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the supervisor exited with code ${code} before the stack was ready:\n${tail.join("")}`));
    });
  });
  return child;
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));
}

let second: ChildProcess | undefined;
let exitCode = 1;
try {
  const first = await startSupervisor();
  const url = `postgres://postgres:${encodeURIComponent(readFileSync(`${path.join(state, "pg")}.password`, "utf8").trim())}@127.0.0.1:${pgPort}/rangemap`;
  await seedOrders(url, ROWS);
  const client = new RangemapClient(`http://127.0.0.1:${port}`, TOKEN);
  const { started, before } = await runToATenth(client, "orders-total", "the kill");
  say(`run ${started.runId}: ${started.ranges.total} ranges`);
  const firstGroups = childGroups(first.pid ?? 0);
  firstGroups.forEach((g) => seen.add(g));
  say(`SIGKILL to the supervisor (pid ${first.pid}) at ${before.ranges.done}/${before.ranges.total} ranges`);
  if (first.pid !== undefined) process.kill(first.pid, "SIGKILL");
  await exitOf(first);
  await sleep(500);
  const orphans = live(firstGroups);
  say(`left running: ${orphans} processes in the first instance's groups ${firstGroups.join(", ")}`);
  if (firstGroups.length < 2 || firstGroups.some((g) => groupMembers(g).length === 0)) {
    throw new Error("the kill did not orphan both wrangler and Postgres: this test shows nothing");
  }

  second = await startSupervisor();
  say("the stack started again on the same ports");
  const staleFirst = live(firstGroups);
  const deadline = Date.now() + 120_000;
  let run = await client.getRun(started.runId);
  for (let shown = Date.now(); run.status === "running" && Date.now() < deadline; ) {
    await sleep(250);
    run = await client.getRun(started.runId);
    if (Date.now() - shown > 10_000) {
      say(`still running: ${JSON.stringify(run.ranges)}`);
      shown = Date.now();
    }
  }
  const truth = await ordersTruth(url);
  say(`run ${run.status}: ${JSON.stringify(run.result)} ${JSON.stringify(run.errors.slice(0, 3))}; SQL: ${JSON.stringify(truth)}`);

  const secondGroups = childGroups(second.pid ?? 0);
  secondGroups.forEach((g) => seen.add(g));
  if (second.pid !== undefined) process.kill(second.pid, "SIGTERM");
  await exitOf(second);
  const leftAfterStop = live(secondGroups);
  say(`processes left of the first instance: ${staleFirst}; of the second after a clean stop: ${leftAfterStop} (groups ${secondGroups.join(", ")})`);

  const result = run.result as { rows?: number; totalAmount?: string };
  const exact = run.status === "succeeded" && result.rows === truth.rows && result.totalAmount === truth.totalAmount;
  if (exact && staleFirst === 0 && secondGroups.length >= 2 && leftAfterStop === 0) {
    say("OK: the second instance ended the first one's orphans, and the run finished exactly");
    exitCode = 0;
  } else {
    say("FAILED");
  }
} catch (err) {
  say(`error: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  // Whatever happened, leave nothing running: only what this test recorded is signalled.
  for (const supervisor of supervisors) {
    if (supervisor.pid !== undefined) childGroups(supervisor.pid).forEach((g) => seen.add(g));
    if (supervisor.pid !== undefined && supervisor.exitCode === null && supervisor.signalCode === null) {
      process.kill(supervisor.pid, "SIGTERM");
      await exitOf(supervisor);
    }
  }
  await endGroups([...seen]);
  await rm(state, { recursive: true, force: true });
}
process.exit(exitCode);
