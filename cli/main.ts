/**
 * `rangemap`: start, watch, pause, resume, cancel and retry runs from a terminal or a script.
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
 * Exit codes (EXIT in output.ts): 0 success (for `run --watch`, `watch` and `status`:
 * only when the run succeeded); 1 the run ended failed or cancelled; 2 bad
 * usage; 3 the API refused the request or could not be reached; 4 `status` of
 * a run that has not finished; 130 interrupted while watching (the run goes on).
 *
 * The parts: args.ts (flags and the run body), client.ts (the HTTP API),
 * output.ts (what people see, exit codes), progress.ts (the progress line).
 */
import { need, parse, positiveInt, runBody, UsageError } from "./args.js";
import { ApiError, RangemapClient } from "./client.js";
import { err, EXIT, exitFor, keysOf, out, printList, printRun, watch } from "./output.js";

const USAGE = `usage: rangemap <command> [options]

commands:
  run <job>        start a run
                     --start K --end K         key bounds, in the key's type (default: min/max of the key)
                     --rows-per-range N        rows per range
                     --concurrency N           lanes (database connections) at once
                     --split uniform|balanced  how ranges are cut
                     --width ISO-DURATION      uniform time windows, e.g. PT1H
                     --params JSON             run parameters for the job
                     --no-canary               skip the small first window
                     --incremental             fold only keys past the last run's watermark (docs/incremental.md)
                     --dry-run                 print the plan; start nothing
                     --watch                   follow the run to its end
  status <runId>   print a run's status
  watch <runId>    follow a run with a progress bar until it ends
  pause <runId>    start no more ranges until resumed (running ones finish)
  resume <runId>   start ranges again after a pause
  cancel <runId>   stop a running run
  retry <runId>    re-run the failed ranges of a failed run (--watch to follow)
  list             recent runs (--job NAME --status STATUS --limit N)

options:
  --json           one JSON document on stdout, for scripts
  -h, --help       this help

environment: RANGEMAP_URL (default http://127.0.0.1:8787), API_TOKEN (default dev-token)
exit codes: 0 succeeded/done, 1 run failed or cancelled, 2 usage, 3 API error, 4 not finished yet`;

const fmt = new Intl.NumberFormat("en-US");

async function main(argv: string[]): Promise<number> {
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
        if (!json) out(`started run ${run.runId}: ${run.job}, ${fmt.format(run.ranges.total)} ranges over keys ${keysOf(run)}`);
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
      case "pause":
      case "resume": {
        const runId = need(positionals, "a run id");
        const run = command === "pause" ? await client.pauseRun(runId) : await client.resumeRun(runId);
        if (json) out(JSON.stringify(run));
        else out(`run ${run.runId} is ${run.status}: ${fmt.format(run.ranges.done)}/${fmt.format(run.ranges.total)} ranges done`);
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
