/**
 * Helpers for running `wrangler dev` as a child of the local stack: handing it
 * secrets in an env file it parses with dotenv + dotenv-expand, waiting until the
 * Worker answers, and ending wrangler together with the workerd it spawned.
 */
import type { ChildProcess } from "node:child_process";
import fs from "node:fs/promises";
import type { Writable } from "node:stream";

/**
 * Writes KEY=value lines readable by wrangler's `--env-file`, mode 0600. Values are
 * quoted so dotenv keeps them literal, and `$` is escaped so dotenv-expand does not
 * substitute variables inside passwords.
 */
export async function writeEnvFile(file: string, values: Record<string, string>): Promise<void> {
  const lines = Object.entries(values).map(([key, value]) => {
    if (/[\r\n]/.test(value)) throw new Error(`${key} must not contain a line break`);
    const quote = ["'", "`", '"'].find((q) => !value.includes(q));
    if (quote === undefined) throw new Error(`${key} cannot contain all of ' \` and " at once`);
    return `${key}=${quote}${value.replaceAll("$", "\\$")}${quote}`;
  });
  // Remove first: writeFile's mode only applies when it creates the file.
  await fs.rm(file, { force: true });
  await fs.writeFile(file, `${lines.join("\n")}\n`, { mode: 0o600 });
}

/**
 * Keeps the last lines a piped child printed (for error messages), copying them to
 * `sink` if given. Returns a function that reads the tail; empty when output is inherited.
 */
export function keepTail(child: ChildProcess, sink: Writable | undefined, max = 40): () => string {
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      sink?.write(chunk);
      lines.push(...chunk.split("\n").filter((l) => l.trim() !== ""));
      lines.splice(0, Math.max(0, lines.length - max));
    });
  }
  child.once("close", () => sink?.end());
  return () => lines.join("\n");
}

/**
 * Polls `url` until it answers 2xx. Rejects if `exited` settles first (the child
 * died), if `abort` fires, or after `timeoutMs`, with the last status seen and the
 * child's output tail.
 */
export async function waitForHealthy(
  url: string,
  exited: Promise<number>,
  timeoutMs: number,
  tail: () => string,
  abort?: AbortSignal,
): Promise<void> {
  let exitCode: number | undefined;
  void exited.then((code) => (exitCode = code));
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  const withTail = (message: string) => (tail() ? `${message}\n--- wrangler output (tail) ---\n${tail()}` : message);
  while (Date.now() < deadline) {
    abort?.throwIfAborted();
    if (exitCode !== undefined) throw new Error(withTail(`wrangler dev exited with code ${exitCode} before ${url} answered`));
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await res.body?.cancel();
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(withTail(`${url} did not answer 2xx within ${Math.round(timeoutMs / 1000)}s (last: ${last})`));
}

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is already gone
  }
}

/**
 * Ends a child started with `detached: true` and everything in its process group
 * (wrangler and its workerd): SIGTERM to the group, then SIGKILL to the group if the
 * leader has not exited after `graceMs`, or if anything is left once it has.
 */
export async function stopProcessGroup(child: ChildProcess, graceMs: number): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const done = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  signalGroup(pid, "SIGTERM");
  const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs);
  await done;
  clearTimeout(timer);
  signalGroup(pid, "SIGKILL"); // stragglers, e.g. a workerd that outlived wrangler
}
