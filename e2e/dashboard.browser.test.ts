/**
 * The dashboard in real Chromium (Debian's `chromium`, driven by
 * playwright-core; no browser is ever downloaded) against the e2e stack:
 * enter the token, start runs from the page, watch the progress bar reach
 * 100% with the result equal to SQL, see a failed range in the strip for a
 * run over a real bad row and retry it after the fix, cancel a running run.
 * One test records every request a fresh tab makes while it is used from the
 * token prompt to a finished run and back to the list, and checks that none
 * leaves the Worker's origin. Screenshots go to test-results/ (git-ignored).
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { RangemapClient } from "../cli/client.js";
import * as events from "../dev/stack/examples/events-total.js";
import { fixStagedPayment, ordersTruth, seedStagedPayments, stagedPaymentsTruth } from "../dev/stack/seed.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const RESULTS = path.resolve("test-results");

let profile: string;
let context: BrowserContext;
let page: Page;

async function startFromForm(job: string, fields: { rowsPerRange?: string; concurrency?: string; canary?: boolean } = {}): Promise<string> {
  await page.goto(`${inject("baseUrl")}/#/`);
  await page.locator("#job-select").selectOption(job);
  await page.locator("#opt-rpr").fill(fields.rowsPerRange ?? "");
  await page.locator("#opt-conc").fill(fields.concurrency ?? "");
  await page.locator("#opt-canary").setChecked(fields.canary ?? true);
  await page.locator("#start-run").click();
  await page.waitForURL(/#\/runs\/[A-Za-z0-9_-]+$/);
  return new URL(page.url()).hash.replace("#/runs/", "");
}

async function resultShown(): Promise<unknown> {
  return JSON.parse((await page.locator("#result").textContent()) ?? "null");
}

beforeAll(async () => {
  profile = await mkdtemp(path.join(tmpdir(), "rangemap-chromium-"));
  await mkdir(RESULTS, { recursive: true });
  // A fresh profile each time; launchPersistentContext passes it as --user-data-dir.
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
});

afterAll(async () => {
  await context?.close();
  await rm(profile, { recursive: true, force: true });
});

describe("the dashboard in Chromium", () => {
  it("asks for the token once, refuses a wrong one, and keeps it for the tab", async () => {
    await page.goto(`${inject("baseUrl")}/`);
    await expect.poll(() => page.locator("#view-login").isVisible()).toBe(true);
    await page.locator("#token-input").fill("not-the-token");
    await page.locator("#token-save").click();
    await expect.poll(() => page.locator("#login-error").textContent()).toMatch(/refused/);
    await page.locator("#token-input").fill(inject("apiToken"));
    await page.locator("#token-save").click();
    await expect.poll(() => page.locator("#view-list").isVisible()).toBe(true);
    expect(await page.evaluate<string | null>("sessionStorage.getItem('rangemap.token')")).toBe(inject("apiToken"));
    await page.reload();
    await expect.poll(() => page.locator("#view-list").isVisible()).toBe(true); // not asked again
  });

  it("starts a run, follows the progress bar to 100%, and shows the result SQL computes", async () => {
    const runId = await startFromForm("orders-total", { rowsPerRange: "2500", concurrency: "4" });
    await expect.poll(() => page.locator("#run-status").getAttribute("data-status"), { timeout: 60_000 }).toBe("succeeded");
    expect(await page.locator("#progress-text").textContent()).toBe("100%");
    expect(await page.locator("#progress").getAttribute("aria-valuenow")).toBe("100");
    const run = await new RangemapClient(inject("baseUrl"), inject("apiToken")).getRun(runId);
    const total = run.ranges.total;
    expect(total).toBeGreaterThan(20);
    expect(await page.locator("#stat-ranges").textContent()).toBe(`${total} / ${total}`);
    expect(Number((await page.locator("#rate").textContent())?.replace(/,/g, ""))).toBeGreaterThan(0);
    expect(await resultShown()).toEqual(await ordersTruth(inject("databaseUrl")));
    await expect.poll(() => page.locator("#strip .cell[data-status=done]").count()).toBe(total);
    expect(await page.locator("#run-id").textContent()).toBe(runId);
    expect(await page.locator("#cancel").isDisabled()).toBe(true);
  });

  it("shows the failed range of a run over a bad row in the strip, then retries it after the fix", async () => {
    const url = inject("databaseUrl");
    const badId = 12_345;
    await seedStagedPayments(url, 20_000, [badId]);
    await startFromForm("staged-payments-total", { canary: false });
    await expect.poll(() => page.locator("#run-status").getAttribute("data-status"), { timeout: 60_000 }).toBe("failed");
    const failed = page.locator("#strip .cell[data-status=failed]");
    // The strip is fetched right after the final status arrives.
    await expect.poll(() => failed.count()).toBe(1);
    await failed.hover();
    const detail = (await page.locator("#strip-detail").textContent()) ?? "";
    expect(detail).toMatch(/^range \d+ · keys \[(\d+), (\d+)\]/);
    const [, start, end] = /keys \[(\d+), (\d+)\]/.exec(detail) ?? [];
    expect(Number(start) <= badId && badId <= Number(end)).toBe(true);
    expect(detail).toMatch(/error \(range \d+, attempt 1\): 22P02 invalid input syntax for type numeric: "n\/a"/);
    expect(await page.locator("#errors tbody tr").count()).toBe(1);
    expect(await page.locator("#errors tbody tr td").nth(3).textContent()).toBe("22P02");
    expect(await resultShown()).toEqual(await stagedPaymentsTruth(url, [{ start: start ?? "", end: end ?? "" }]));
    await page.screenshot({ path: path.join(RESULTS, "dashboard-failed.png"), fullPage: true });

    await fixStagedPayment(url, badId);
    await page.locator("#retry").click();
    await expect.poll(() => page.locator("#run-status").getAttribute("data-status"), { timeout: 60_000 }).toBe("succeeded");
    await expect.poll(() => page.locator("#strip .cell[data-status=failed]").count()).toBe(0);
    expect(await resultShown()).toEqual(await stagedPaymentsTruth(url));
  });

  it("shows a timestamp-keyed run's ranges in the strip with ISO timestamps, and its NULL keys as a bin of their own", async () => {
    const url = inject("databaseUrl");
    await events.seed(url);
    const truth = await events.truth(url);
    const runId = await startFromForm("events-total", { canary: false });
    await expect.poll(async () => (await new RangemapClient(inject("baseUrl"), inject("apiToken")).getRun(runId)).status, { timeout: 60_000 }).toBe("succeeded");
    await expect.poll(() => resultShown(), { timeout: 10_000 }).toEqual(truth);
    const cells = page.locator("#strip .cell");
    await expect.poll(() => cells.count()).toBeGreaterThan(2);
    const iso = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z`;
    await cells.first().hover();
    // A range stops before the next one's first key: [start, end).
    expect((await page.locator("#strip-detail").textContent()) ?? "").toMatch(new RegExp(`^range \\d+ · keys \\[${iso}, ${iso}\\)`));
    await cells.last().hover();
    expect((await page.locator("#strip-detail").textContent()) ?? "").toMatch(/^range \d+ · keys NULL/);
    await page.screenshot({ path: path.join(RESULTS, "dashboard-typed-keys.png"), fullPage: true });
  });

  it("pauses, resumes and cancels a running run from its page", async () => {
    // 4,000 ranges one at a time: long enough (hot lanes run short ranges fast) to
    // click Cancel, binned in the strip, with one bad row early on so the
    // picture shows a failed range too.
    await seedStagedPayments(inject("databaseUrl"), 400_000, [5_550]);
    const runId = await startFromForm("staged-payments-total", { rowsPerRange: "100", concurrency: "1", canary: false });
    const done = async () => Number((await page.locator("#stat-ranges").textContent())?.split(" / ")[0]?.replace(/,/g, ""));
    await expect.poll(done, { timeout: 30_000 }).toBeGreaterThan(150);
    expect(await page.locator("#run-status").getAttribute("data-status")).toBe("running");
    expect(await page.locator("#strip .cell").count()).toBe(200);
    await expect.poll(() => page.locator("#strip .cell[data-status=failed]").count()).toBe(1);
    expect(await page.locator("#eta").textContent()).toMatch(/^\d/);
    await page.locator("#strip .cell[data-status=failed]").hover();
    await page.screenshot({ path: path.join(RESULTS, "dashboard.png"), fullPage: true });
    // Pause shows the paused state and swaps the button for Resume; Resume runs it again.
    await page.locator("#pause").click();
    await expect.poll(() => page.locator("#run-status").getAttribute("data-status")).toBe("paused");
    expect(await page.locator("#run-pacing").getAttribute("data-state")).toBe("paused");
    expect(await page.locator("#run-pacing").isVisible()).toBe(true);
    expect(await page.locator("#pause").isVisible()).toBe(false);
    await page.locator("#resume").click();
    await expect.poll(() => page.locator("#run-status").getAttribute("data-status")).toBe("running");
    expect(await page.locator("#run-pacing").isVisible()).toBe(false);
    await page.locator("#cancel").click();
    await expect.poll(() => page.locator("#run-status").getAttribute("data-status")).toBe("cancelled");
    const run = await new RangemapClient(inject("baseUrl"), inject("apiToken")).getRun(runId);
    expect(run.status).toBe("cancelled");
    expect(run.ranges.done).toBeLessThan(4_000);
    expect(await page.locator("#cancel").isDisabled()).toBe(true);
    expect(await page.locator("#retry").isDisabled()).toBe(true);
  });

  it("lists the runs with job, status, progress and duration", async () => {
    await page.goto(`${inject("baseUrl")}/#/`);
    const rows = page.locator("#runs-table tbody tr");
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    const statuses = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-status")));
    expect(statuses).toEqual(expect.arrayContaining(["succeeded", "cancelled"]));
    expect(await rows.first().locator("td").nth(3).textContent()).toMatch(/\d+% of [\d,]+ ranges/);
    await page.screenshot({ path: path.join(RESULTS, "dashboard-list.png"), fullPage: true });
  });
});

/** Everything a tab asked for, and every error it reported (CSP refusals show up as console errors). */
function recordTraffic(tab: Page): { requests: string[]; errors: string[] } {
  const seen = { requests: [] as string[], errors: [] as string[] };
  tab.on("request", (r) => seen.requests.push(r.url()));
  tab.on("pageerror", (e) => seen.errors.push(`page error: ${e.message}`));
  tab.on("console", (m) => {
    if (m.type() === "error") seen.errors.push(`console: ${m.text()}`);
  });
  return seen;
}

describe("what the dashboard loads", () => {
  it("loads nothing from outside the Worker, from the token prompt to a finished run and back to the list", async () => {
    const base = inject("baseUrl");
    const origin = new URL(base).origin;
    // A tab of its own: no token in its sessionStorage, nothing left by the tests above.
    const tab = await context.newPage();
    const seen = recordTraffic(tab);
    let runId = "";
    try {
      await tab.goto(`${base}/`);
      await expect.poll(() => tab.locator("#view-login").isVisible()).toBe(true);
      await tab.locator("#token-input").fill(inject("apiToken"));
      await tab.locator("#token-save").click();
      await expect.poll(() => tab.locator("#view-list").isVisible()).toBe(true);

      await tab.locator("#job-select").selectOption("orders-total");
      await tab.locator("#opt-start").fill("1");
      await tab.locator("#opt-end").fill("20000");
      await tab.locator("#opt-rpr").fill("1000");
      await tab.locator("#start-run").click();
      await tab.waitForURL(/#\/runs\/[A-Za-z0-9_-]+$/);
      runId = new URL(tab.url()).hash.replace("#/runs/", "");
      await expect.poll(() => tab.locator("#run-status").getAttribute("data-status"), { timeout: 60_000 }).toBe("succeeded");
      const cells = tab.locator("#strip .cell");
      await expect.poll(async () => (await cells.count()) > 0 && (await cells.count()) === (await tab.locator("#strip .cell[data-status=done]").count())).toBe(true);
      await cells.first().hover();
      expect(await tab.locator("#strip-detail").textContent()).toMatch(/^range \d+ · keys \[1, /);

      await tab.locator("a.brand").click();
      await expect.poll(() => tab.locator(`#runs-table tbody tr[data-run="${runId}"]`).count()).toBe(1);
    } finally {
      await tab.close();
    }

    const offOrigin = seen.requests.filter((u) => new URL(u).origin !== origin && !u.startsWith("data:"));
    expect(offOrigin).toEqual([]);
    expect(seen.errors).toEqual([]);
    // The recorder saw the tab's own traffic: the page, its bundle, the API, the event stream and the strip.
    const paths = seen.requests.filter((u) => !u.startsWith("data:")).map((u) => new URL(u).pathname);
    expect(paths).toEqual(
      expect.arrayContaining(["/", "/ui/dashboard.js", "/ui/dashboard.css", "/api/jobs", "/api/runs", `/api/runs/${runId}/events`, `/api/runs/${runId}/strip`]),
    );
  });
});
