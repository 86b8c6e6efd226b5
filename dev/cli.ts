/**
 * `rangemap`: start, watch, cancel and retry runs from a terminal or a script.
 * Run it as `npm run rangemap -- <command>` or `npx rangemap <command>`.
 *
 * Settings, each from the environment only (a token on the command line would
 * show in `ps` and shell history): RANGEMAP_URL (default http://127.0.0.1:8787)
 * and API_TOKEN (default: the local stack's `dev-token`).
 *
 * Output is for people by default: a progress bar on a terminal, plain lines
 * without escape codes when stdout is not a TTY. `--json` prints exactly one
 * JSON document on stdout (the run status, the plan, or the run list; on an
 * error, the API's error envelope) and nothing else there.
 *
 * Exit codes (EXIT below): 0 success (for `run --watch`, `watch` and `status`:
 * only when the run succeeded); 1 the run ended failed or cancelled; 2 bad
 * usage; 3 the API refused the request or could not be reached; 4 `status` of
 * a run that has not finished; 130 interrupted while watching (the run goes on).
 */
import { parseArgs } from "node:util";
import { ApiError, followRun, isFinal, RangemapClient, type RunListEntry, type RunStatusJson } from "./lib/client.js";
import { formatDuration, ProgressLine, progressText, RateMeter, runElapsedMs } from "./lib/progress.js";

export const EXIT = { ok: 0, runNotSucceeded: 1, usage: 2, api: 3, notFinished: 4, interrupted: 130 } as const;

const USAGE = `usage: rangemap <command> [options]

commands:
  run <job>        start a run
                     --start N --end N         key bounds (default: min/max of the key)
                     --rows-per-range N        rows per range
                     --concurrency N           ranges in flight at once
                     --split uniform|balanced  how ranges are cut
                     --params JSON             run parameters for the job
                     --no-canary               skip the small first window
                     --dry-run                 print the plan; start nothing
                     --watch                   follow the run to its end
  status <runId>   print a run's status
  watch <runId>    follow a run with a progress bar until it ends
  cancel <runId>   stop a running run
  retry <runId>    re-run the failed ranges of a failed run (--watch to follow)
  list             recent runs (--job NAME --status STATUS --limit N)

options:
  --json           one JSON document on stdout, for scripts
  -h, --help       this help

environment: RANGEMAP_URL (default http://127.0.0.1:8787), API_TOKEN (default dev-token)
exit codes: 0 succeeded/done, 1 run failed or cancelled, 2 usage, 3 API error, 4 not finished yet`;

class UsageError extends Error {}

const fmt = new Intl.NumberFormat("en-US");
const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        start: { type: "string" },
        end: { type: "string" },
        "rows-per-range": { type: "string" },
        concurrency: { type: "string" },
        split: { type: "string" },
        params: { type: "string" },
        "no-canary": { type: "boolean" },
        "dry-run": { type: "boolean" },
        watch: { type: "boolean" },
        json: { type: "boolean" },
        job: { type: "string" },
        status: { type: "string" },
        limit: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < 1) {
    throw new UsageError(`--${name} must be a positive integer, got "${value}"`);
  }
  return Number(value);
}

function key(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new UsageError(`--${name} must be an integer, got "${value}"`);
  return value; // a decimal string: ids may exceed 2^53
}

function runBody(v: ReturnType<typeof parse>["values"]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const set = (k: string, value: unknown) => value !== undefined && (body[k] = value);
  set("start", key(v.start, "start"));
  set("end", key(v.end, "end"));
  set("rowsPerRange", positiveInt(v["rows-per-range"], "rows-per-range"));
  set("concurrency", positiveInt(v.concurrency, "concurrency"));
  if (v.split !== undefined && v.split !== "uniform" && v.split !== "balanced") {
    throw new UsageError(`--split must be uniform or balanced, got "${v.split}"`);
  }
  set("split", v.split);
  if (v.params !== undefined) {
    try {
      body["params"] = JSON.parse(v.params) as unknown;
    } catch {
      throw new UsageError("--params must be JSON");
    }
  }
  if (v["no-canary"]) body["canary"] = false;
  return body;
}

function exitFor(run: RunStatusJson, finishedOnly: boolean): number {
  if (run.status === "succeeded") return EXIT.ok;
  if (isFinal(run)) return EXIT.runNotSucceeded;
  return finishedOnly ? EXIT.notFinished : EXIT.ok;
}

/** The human summary of a run: the progress line, then the result and errors. */
function printRun(run: RunStatusJson): void {
  out(`run     ${run.runId} (${run.job})`);
  out(`status  ${progressText(run, new RateMeter().add(run), { bar: "ascii" })}`);
  out(`keys    [${run.bounds.start ?? "?"}, ${run.bounds.end ?? "?"}]`);
  out(`result  ${JSON.stringify(run.result)}`);
  for (const e of run.errors.slice(0, 10)) {
    const where = e.rangeId === null ? "run" : `range ${e.rangeId} [${e.start ?? "?"}, ${e.end ?? "?"}]`;
    out(`error   ${where}${e.attempts ? ` after ${e.attempts} attempt(s)` : ""}: ${e.code ? `${e.code} ` : ""}${e.message}`);
  }
  if (run.errors.length > 10) out(`error   … and ${run.errors.length - 10} more (GET /api/runs/${run.runId}/ranges?status=failed)`);
}

/** Follows a run to its end; the progress line goes to stdout unless --json. */
async function watch(client: RangemapClient, runId: string, json: boolean): Promise<number> {
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
    for (const e of run.errors.slice(0, 10)) {
      out(`error   ${e.rangeId === null ? "run" : `range ${e.rangeId} [${e.start ?? "?"}, ${e.end ?? "?"}]`}: ${e.code ? `${e.code} ` : ""}${e.message}`);
    }
  }
  return exitFor(run, true);
}

function printList(runs: RunListEntry[]): void {
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

function need(positionals: string[], what: string): string {
  const value = positionals[1];
  if (!value) throw new UsageError(`${positionals[0]} needs ${what}`);
  return value;
}

export async function main(argv: string[]): Promise<number> {
  let json = false;
  try {
    const { values, positionals } = parse(argv);
    json = values.json === true;
    if (values.help || positionals.length === 0) {
      (values.help ? out : err)(USAGE);
      return values.help ? EXIT.ok : EXIT.usage;
    }
    const client = new RangemapClient(process.env.RANGEMAP_URL || "http://127.0.0.1:8787", process.env.API_TOKEN || "dev-token");
    const [command] = positionals;
    switch (command) {
      case "run": {
        const job = need(positionals, "a job name");
        const body = runBody(values);
        if (values["dry-run"]) {
          const plan = await client.planRun(job, body);
          out(JSON.stringify(plan, null, json ? undefined : 2));
          return EXIT.ok;
        }
        const run = await client.startRun(job, body);
        if (!json) out(`started run ${run.runId}: ${run.job}, ${fmt.format(run.ranges.total)} ranges over ids [${run.bounds.start}, ${run.bounds.end}]`);
        if (values.watch) return await watch(client, run.runId, json);
        if (json) out(JSON.stringify(run));
        else out(`follow it with: rangemap watch ${run.runId}`);
        return EXIT.ok;
      }
      case "status": {
        const run = await client.getRun(need(positionals, "a run id"));
        if (json) out(JSON.stringify(run));
        else printRun(run);
        return exitFor(run, true);
      }
      case "watch":
        return await watch(client, need(positionals, "a run id"), json);
      case "cancel": {
        const run = await client.cancelRun(need(positionals, "a run id"));
        if (json) out(JSON.stringify(run));
        else out(`cancelled run ${run.runId}: ${fmt.format(run.ranges.done)}/${fmt.format(run.ranges.total)} ranges were done`);
        return EXIT.ok;
      }
      case "retry": {
        const run = await client.retryRun(need(positionals, "a run id"));
        if (!json) out(`retrying the failed ranges of run ${run.runId}`);
        if (values.watch) return await watch(client, run.runId, json);
        if (json) out(JSON.stringify(run));
        return EXIT.ok;
      }
      case "list": {
        const page = await client.listRuns({ job: values.job, status: values.status, limit: positiveInt(values.limit, "limit") });
        if (json) out(JSON.stringify(page));
        else printList(page.runs);
        return EXIT.ok;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`rangemap: ${e.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    const error =
      e instanceof ApiError
        ? { code: e.code, message: e.message, status: e.status }
        : { code: "unreachable", message: e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e) };
    if (json) out(JSON.stringify({ error }));
    err(`rangemap: ${error.code}: ${error.message}`);
    return EXIT.api;
  }
}

process.exitCode = await main(process.argv.slice(2));
