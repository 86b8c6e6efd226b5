/**
 * The CLI as a user runs it: `bin/rangemap.mjs` (the package bin) as a child
 * process with piped stdout, so not a TTY, against the e2e stack. Checks exit
 * codes, `--json` output, and that plain output carries no escape codes;
 * results are checked against SQL.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { RunStatus } from "../src/coordinator/types.js";
import { findFreePort } from "../dev/stack/net.js";
import { fixStagedPayment, ordersTruth, seedStagedPayments, stagedPaymentsTruth } from "../dev/stack/seed.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BIN = path.join(REPO, "bin", "rangemap.mjs");
const ESC = "\x1b";

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: REPO,
        env: { ...process.env, RANGEMAP_URL: inject("baseUrl"), API_TOKEN: inject("apiToken"), ...env },
        timeout: 90_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function json<T>(r: Result): T {
  return JSON.parse(r.stdout) as T;
}

describe("usage", () => {
  it("--help exits 0 with the usage; no command, an unknown one or a bad option exits 2", async () => {
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: rangemap <command>/);
    for (const args of [[], ["frobnicate"], ["run", "orders-total", "--rows-per-range", "abc"], ["status"], ["run", "x", "--bogus"]]) {
      const r = await cli(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/usage: rangemap/);
    }
  });
});

describe("a run that succeeds", () => {
  it("run --watch, not on a TTY: plain progress lines, the result, exit 0", async () => {
    const r = await cli(["run", "orders-total", "--rows-per-range", "5000", "--watch"]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(ESC);
    expect(r.stdout).toMatch(/^started run \S+: orders-total, 20 ranges over keys \[1, 100000\]$/m);
    expect(r.stdout).toMatch(/^succeeded \[#{20}\] 100% · ranges 20\/20 · 100,000 rows · [\d,]+ rows\/s · \d+\.\ds$/m);
    const result = /^result {2}(.+)$/m.exec(r.stdout)?.[1];
    expect(JSON.parse(result ?? "null")).toEqual(await ordersTruth(inject("databaseUrl")));
  });

  it("run --watch --json prints only the final status as one JSON document", async () => {
    const r = await cli(["run", "orders-total", "--start", "1001", "--end", "50000", "--watch", "--json"]);
    expect(r.code).toBe(0);
    const run = json<RunStatus>(r);
    expect(run.status).toBe("succeeded");
    expect(run.bounds).toMatchObject({ start: "1001", end: "50000" });
    const all = await ordersTruth(inject("databaseUrl"));
    expect(run.rows).toBe(49_000);
    expect(run.result).toMatchObject({ rows: 49_000 });
    expect(all.rows).toBe(100_000);
    const status = await cli(["status", run.runId, "--json"]);
    expect(status.code).toBe(0);
    expect(json<RunStatus>(status)).toEqual(run);
  });

  it("--dry-run prints the plan and starts nothing", async () => {
    const r = await cli(["run", "orders-total", "--dry-run", "--json", "--no-canary"]);
    expect(r.code).toBe(0);
    const plan = json<Record<string, unknown>>(r);
    expect(plan).not.toHaveProperty("runId");
    expect(JSON.stringify(plan)).toMatch(/"ranges"/);
  });
});

describe("a run that fails", () => {
  const BAD_ID = 4_321;
  beforeAll(async () => {
    await seedStagedPayments(inject("databaseUrl"), 20_000, [BAD_ID]);
  });

  it("exits 1 with the failed range listed; retry after fixing the row exits 0 with the full total", async () => {
    const url = inject("databaseUrl");
    const r = await cli(["run", "staged-payments-total", "--no-canary", "--watch", "--json"]);
    expect(r.code).toBe(1);
    const run = json<RunStatus>(r);
    expect(run.status).toBe("failed");
    expect(run.errors).toHaveLength(1);
    const bad = run.errors[0];
    expect(bad?.code).toBe("22P02");
    expect(BigInt(bad?.start ?? "0") <= BigInt(BAD_ID) && BigInt(BAD_ID) <= BigInt(bad?.end ?? "0")).toBe(true);
    expect(run.result).toEqual(await stagedPaymentsTruth(url, [{ start: bad?.start ?? "", end: bad?.end ?? "" }]));

    const status = await cli(["status", run.runId]);
    expect(status.code).toBe(1);
    expect(status.stdout).not.toContain(ESC);
    expect(status.stdout).toMatch(/^status {2}failed +\[#+-*\] 100% · ranges 20\/20 · 1 failed/m);
    expect(status.stdout).toMatch(new RegExp(`^error   range ${bad?.rangeId} \\[${bad?.start}, ${bad?.end}\\] after 1 attempt\\(s\\): 22P02 invalid input syntax`, "m"));

    await fixStagedPayment(url, BAD_ID);
    const retried = await cli(["retry", run.runId, "--watch"]);
    expect(retried.code).toBe(0);
    expect(retried.stdout).toMatch(/^succeeded \[#{20}\] 100% · ranges 20\/20/m);
    const final = json<RunStatus>(await cli(["status", run.runId, "--json"]));
    expect(final.result).toEqual(await stagedPaymentsTruth(url));

    const again = await cli(["retry", run.runId, "--json"]);
    expect(again.code).toBe(3);
    expect(json<{ error: { code: string } }>(again).error.code).toBe("nothing_to_retry");
  });
});

describe("cancel, status of a live run, list", () => {
  it("status of a running run exits 4; cancel exits 0; watch of the cancelled run exits 1", async () => {
    // 10,000 ranges one at a time: long enough (hot lanes run short ranges fast) to see it running and cancel it.
    const started = await cli(["run", "orders-total", "--rows-per-range", "10", "--concurrency", "1", "--no-canary", "--json"]);
    expect(started.code).toBe(0);
    const run = json<RunStatus>(started);
    expect(run.status).toBe("running");
    expect(run.ranges.total).toBe(10_000);

    const live = await cli(["status", run.runId]);
    expect(live.code).toBe(4);
    expect(live.stdout).toMatch(/^status {2}running +\[[#-]{20}\] +\d+% · ranges [\d,]+\/10,000 · \d lanes?/m);

    const cancelled = await cli(["cancel", run.runId]);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toMatch(/^cancelled run \S+: [\d,]+\/10,000 ranges were done$/m);

    const watched = await cli(["watch", run.runId, "--json"]);
    expect(watched.code).toBe(1);
    expect(json<RunStatus>(watched).status).toBe("cancelled");

    const twice = await cli(["cancel", run.runId, "--json"]);
    expect(twice.code).toBe(3);
    expect(json<{ error: { code: string; status: number } }>(twice).error).toMatchObject({ code: "run_not_running", status: 409 });
  });

  it("list shows recent runs, as JSON and as plain lines", async () => {
    const started = json<RunStatus>(await cli(["run", "orders-total", "--start", "1", "--end", "999", "--watch", "--json"]));
    const listed = await cli(["list", "--job", "orders-total", "--json"]);
    expect(listed.code).toBe(0);
    const page = json<{ runs: Array<{ runId: string; status: string }>; nextCursor: string | null }>(listed);
    expect(page.runs.find((r) => r.runId === started.runId)).toMatchObject({ status: "succeeded" });
    const plain = await cli(["list", "--limit", "5"]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toContain(ESC);
    expect(plain.stdout).toMatch(new RegExp(`^${started.runId} +orders-total +succeeded +999 rows`, "m"));
  });
});

describe("pause and resume", () => {
  it("pause exits 0 and nothing more is done while paused; resume finishes with the exact result; pause of a finished run exits 3", async () => {
    const url = inject("databaseUrl");
    const started = json<RunStatus>(await cli(["run", "orders-total", "--rows-per-range", "10", "--concurrency", "1", "--no-canary", "--json"]));
    expect(started.ranges.total).toBe(10_000);

    const paused = await cli(["pause", started.runId]);
    expect(paused.code).toBe(0);
    expect(paused.stdout).toMatch(/^run \S+ is paused: [\d,]+\/10,000 ranges done$/m);
    // The ranges that had begun finish; then nothing moves.
    await new Promise((r) => setTimeout(r, 2_000));
    const before = json<RunStatus>(await cli(["status", started.runId, "--json"]));
    expect(before.status).toBe("paused");
    await new Promise((r) => setTimeout(r, 1_500));
    const status = await cli(["status", started.runId]);
    expect(status.code).toBe(4);
    expect(status.stdout).toMatch(/^pacing {2}paused: paused by hand/m);
    const after = json<RunStatus>(await cli(["status", started.runId, "--json"]));
    expect(after.ranges).toEqual(before.ranges);
    expect(after.ranges.done).toBeLessThan(10_000);

    const resumed = await cli(["resume", started.runId, "--json"]);
    expect(resumed.code).toBe(0);
    expect(json<RunStatus>(resumed).status).toBe("running");
    const watched = await cli(["watch", started.runId, "--json"]);
    expect(watched.code).toBe(0);
    const done = json<RunStatus>(watched);
    expect(done.status).toBe("succeeded");
    expect(done.result).toEqual(await ordersTruth(url));

    const late = await cli(["pause", started.runId, "--json"]);
    expect(late.code).toBe(3);
    expect(json<{ error: { code: string; status: number } }>(late).error).toMatchObject({ code: "run_not_running", status: 409 });
  });
});

describe("API errors", () => {
  it("exits 3 with the API's error: an unknown run, a wrong token, an unreachable server", async () => {
    const missing = await cli(["status", "no-such-run", "--json"]);
    expect(missing.code).toBe(3);
    expect(json<{ error: { code: string } }>(missing).error.code).toBe("run_not_found");
    expect(missing.stderr).toMatch(/^rangemap: run_not_found: /);

    const denied = await cli(["list"], { API_TOKEN: "wrong" });
    expect(denied.code).toBe(3);
    expect(denied.stderr).toMatch(/unauthorized/);

    const port = await findFreePort();
    const down = await cli(["status", "some-run"], { RANGEMAP_URL: `http://127.0.0.1:${port}` });
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/^rangemap: unreachable: .*ECONNREFUSED/);
  });
});
