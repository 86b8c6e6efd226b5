/**
 * A local stack must clean up after its own earlier instance. `wrangler dev`
 * runs in a process group of its own (with the workerd it spawns); when the
 * supervisor dies without stopping it (SIGKILL, a crash, CI timing out), that
 * group keeps the Worker port, and the next start would fail with "port
 * already in use". Postgres has its own record of this kind (postmaster.pid,
 * see postgres-os.ts); this is the same for the groups the stack starts.
 *
 * Each group is recorded in `<state>/<name>.pgid` as its leader's pid, start
 * time (clock ticks since boot, /proc/<pid>/stat) and the command it was
 * spawned with. At the next start, a record whose group still has members is
 * signalled only when the group is provably the one recorded: a live leader
 * must have the same start time, and its command line must end with that
 * command (an interpreter from a `#!` line may come first, and a `#!/usr/bin/env`
 * leader execs once more after spawn); without a leader, every member must have started
 * after it (Linux never reuses a pid while a process group of that id lives,
 * so such members can only be its descendants). Only recorded groups are ever
 * signalled. Linux only (/proc); elsewhere nothing is recorded or reaped.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";

export interface GroupRecord {
  pgid: number;
  /** The leader's start time, in clock ticks since boot. */
  startTime: number;
  /** The command the leader was spawned with (file and arguments). */
  argv: string[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const hasProc = () => existsSync("/proc/self/stat");

/** Fields of /proc/<pid>/stat after the command name: [state, ppid, pgrp, …, starttime at 19]. */
function statOf(pid: number): { pgrp: number; startTime: number; zombie: boolean } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { pgrp: Number(fields[2]), startTime: Number(fields[19]), zombie: fields[0] === "Z" };
  } catch {
    return undefined; // gone
  }
}

function argvOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(0, -1);
  } catch {
    return undefined;
  }
}

function endsWith(argv: string[], tail: string[]): boolean {
  return tail.length > 0 && argv.length >= tail.length && tail.every((arg, i) => argv[argv.length - tail.length + i] === arg);
}

/** Live (not zombie) processes whose process group is `pgid`, with their start times. */
export function groupMembers(pgid: number): Array<{ pid: number; startTime: number }> {
  if (!hasProc()) return [];
  const members: Array<{ pid: number; startTime: number }> = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statOf(Number(entry));
    if (stat && stat.pgrp === pgid && !stat.zombie) members.push({ pid: Number(entry), startTime: stat.startTime });
  }
  return members;
}

function recordFile(stateDir: string, name: string): string {
  return path.join(stateDir, `${name}.pgid`);
}

/** Records the group led by `pid` (a child spawned with `detached: true` to run `argv`) as `name`. */
export async function recordGroup(stateDir: string, name: string, pid: number, argv: string[]): Promise<void> {
  const stat = statOf(pid);
  if (!stat) return;
  const record: GroupRecord = { pgid: pid, startTime: stat.startTime, argv };
  await fs.writeFile(recordFile(stateDir, name), `${JSON.stringify(record)}\n`, { mode: 0o600 });
}

/** Forgets the record of `name` (after the group was stopped cleanly). */
export async function forgetGroup(stateDir: string, name: string): Promise<void> {
  await fs.rm(recordFile(stateDir, name), { force: true });
}

export async function readRecord(stateDir: string, name: string): Promise<GroupRecord | undefined> {
  try {
    const value = JSON.parse(await fs.readFile(recordFile(stateDir, name), "utf8")) as Partial<GroupRecord>;
    const ok =
      Number.isInteger(value.pgid) && (value.pgid ?? 0) > 1 && Number.isFinite(value.startTime) &&
      Array.isArray(value.argv) && value.argv.every((a) => typeof a === "string");
    return ok ? (value as GroupRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the live members of `record.pgid` are provably the recorded group (see the header). */
function isOurs(record: GroupRecord, members: Array<{ pid: number; startTime: number }>): boolean {
  const leader = members.find((m) => m.pid === record.pgid);
  if (leader) return leader.startTime === record.startTime && endsWith(argvOf(leader.pid) ?? [], record.argv);
  return members.every((m) => m.startTime >= record.startTime);
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group ended meanwhile
  }
}

/**
 * Ends what is left of an earlier instance's group `name`: SIGTERM to the
 * group, SIGKILL after `graceMs`, then waits until no member is left. A record
 * whose group is gone or is not ours is only removed.
 */
export async function reapGroup(stateDir: string, name: string, log: (line: string) => void, graceMs = 5_000): Promise<void> {
  const record = await readRecord(stateDir, name);
  if (!record) return forgetGroup(stateDir, name);
  const members = groupMembers(record.pgid);
  if (members.length > 0 && isOurs(record, members)) {
    log(`stopping ${name} left running by an earlier instance (process group ${record.pgid}, ${members.length} processes)`);
    signalGroup(record.pgid, "SIGTERM");
    for (const deadline = Date.now() + graceMs; Date.now() < deadline && groupMembers(record.pgid).length > 0; ) await sleep(100);
    if (groupMembers(record.pgid).length > 0) signalGroup(record.pgid, "SIGKILL");
    for (const deadline = Date.now() + 5_000; Date.now() < deadline && groupMembers(record.pgid).length > 0; ) await sleep(100);
    if (groupMembers(record.pgid).length > 0) throw new Error(`${name} of an earlier instance (process group ${record.pgid}) did not stop`);
  } else if (members.length > 0) {
    log(`${recordFile(stateDir, name)} names process group ${record.pgid}, which is not ours any more; leaving it alone`);
  }
  await forgetGroup(stateDir, name);
}
