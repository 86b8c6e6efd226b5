/**
 * What the CLI prints for people (stdout by default; `--json` prints the API's
 * documents instead): a run's summary, the run list as a table, and following
 * a run with the progress line. Exit codes live here too, because whether a
 * command succeeded depends on the run it printed.
 */
import { isFinished, type RunError, type RunStatus } from "../src/coordinator/types.js";
import type { HistoryView } from "../src/history/entry.js";
import { formatDuration, RateMeter, runElapsedMs } from "../src/lib/progress.js";
import { followRun, type RangemapClient } from "./client.js";
import { ProgressLine, progressText } from "./progress.js";

export const EXIT = { ok: 0, runNotSucceeded: 1, usage: 2, api: 3, notFinished: 4, interrupted: 130 } as const;

const fmt = new Intl.NumberFormat("en-US");
export const out = (line: string) => process.stdout.write(`${line}\n`);
export const err = (line: string) => process.stderr.write(`${line}\n`);

/** 0 only for a succeeded run; `finishedOnly`: a run still going is exit 4, not 0. */
export function exitFor(run: RunStatus, finishedOnly: boolean): number {
  if (run.status === "succeeded") return EXIT.ok;
  if (isFinished(run.status)) return EXIT.runNotSucceeded;
  return finishedOnly ? EXIT.notFinished : EXIT.ok;
}

function printErrors(errors: RunError[], withAttempts: boolean): void {
  for (const e of errors.slice(0, 10)) {
    const where = e.rangeId === null ? "run" : `range ${e.rangeId} [${e.start ?? "?"}, ${e.end ?? "?"}]`;
    const attempts = withAttempts && e.attempts ? ` after ${e.attempts} attempt(s)` : "";
    out(`error   ${where}${attempts}: ${e.code ? `${e.code} ` : ""}${e.message}`);
  }
}

/** The run's key window as its key type writes it: `[start, end]`, or `[start, end)` for a window that stops before `end`. */
export function keysOf(run: Pick<RunStatus, "bounds">): string {
  const { start, end, endInclusive } = run.bounds;
  return start === null && end === null ? "(no keyed rows)" : `[${start ?? "?"}, ${end ?? "?"}${endInclusive ? "]" : ")"}`;
}

/** The human summary of a run: the progress line, then the result and errors. */
export function printRun(run: RunStatus): void {
  out(`run     ${run.runId} (${run.job})`);
  out(`status  ${progressText(run, new RateMeter().add(run), { bar: "ascii" })}`);
  out(`keys    ${keysOf(run)}`);
  // Older Workers answer without `pacing`.
  const pacing = run.pacing as RunStatus["pacing"] | undefined;
  if (pacing && pacing.state !== "running" && !isFinished(run.status)) out(`pacing  ${pacing.state}: ${pacing.reason ?? ""}`);
  out(`result  ${JSON.stringify(run.result)}`);
  printErrors(run.errors, true);
  if (run.errors.length > 10) out(`error   … and ${run.errors.length - 10} more (GET /api/runs/${run.runId}/ranges?status=failed)`);
}

/** Follows a run to its end; the progress line goes to stdout unless --json. */
export async function watch(client: RangemapClient, runId: string, json: boolean): Promise<number> {
  const progress = json ? null : new ProgressLine(process.stdout);
  const interrupted = () => {
    if (!json) process.stdout.write(process.stdout.isTTY ? "\n" : "");
    err(`stopped watching; run ${runId} goes on (rangemap cancel ${runId} stops it)`);
    process.exit(EXIT.interrupted);
  };
  process.once("SIGINT", interrupted);
  const run = await followRun(client, runId, (r) => progress?.update(r));
  process.off("SIGINT", interrupted);
  progress?.done(run);
  if (json) out(JSON.stringify(run));
  else {
    out(`result  ${JSON.stringify(run.result)}`);
    printErrors(run.errors, false);
  }
  return exitFor(run, true);
}

/** Recent runs as aligned columns: id, job, status, rows, duration, created. */
export function printList(runs: HistoryView[]): void {
  if (runs.length === 0) {
    out("no runs");
    return;
  }
  const rows = runs.map((r) => [
    r.runId,
    r.job,
    r.status,
    `${fmt.format(r.rows)} rows`,
    r.status === "skipped" ? "" : formatDuration(runElapsedMs(r)),
    r.createdAt,
  ]);
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0))) ?? [];
  for (const row of rows) out(row.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd());
}
