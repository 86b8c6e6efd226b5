/**
 * The runs list: the recent runs from `GET /api/runs` (filterable by job and
 * status, paged with a cursor), each with its progress, refreshed every 2 s
 * while shown. Without a run history on the Worker it shows the runs opened
 * in this tab instead.
 */
import { api, isRefused, messageOf } from "./api";
import { $, byId, clear, h } from "./dom";
import { duration, numbers } from "./format";
import { elapsedMs, isFinal, percent } from "./progress";
import { tabRuns } from "./session";
import { isShown, show } from "./views";
import type { HistoryLine, HistoryPageView, JobsView, RunView } from "./wire";

const PAGE_SIZE = "25";
const REFRESH_MS = 2000;

let timer: ReturnType<typeof setTimeout> | undefined;
let jobsLoaded = false;
let cursor: string | null = null;
/** Full statuses of listed runs: final ones are fetched once, active ones on every refresh. */
const statuses = new Map<string, RunView>();

/** Fills the job pickers of the start form and the filter, once per token. */
async function loadJobs(): Promise<void> {
  if (jobsLoaded) return;
  const body = await api<JobsView>("GET", "/api/jobs");
  const pick = byId("job-select", HTMLSelectElement);
  const filter = byId("filter-job", HTMLSelectElement);
  clear(pick);
  for (const job of body.jobs) {
    pick.append(h("option", { value: job.name, text: job.name }));
    filter.append(h("option", { value: job.name, text: job.name }));
  }
  jobsLoaded = true;
}

/** The token changed: the jobs are loaded again with the next one. */
export function forgetJobs(): void {
  jobsLoaded = false;
}

export function stopList(): void {
  clearTimeout(timer);
  timer = undefined;
}

export async function openList(): Promise<void> {
  show("list");
  $("whoami").textContent = "";
  try {
    await loadJobs();
  } catch (err) {
    $("start-error").textContent = messageOf(err);
  }
  await refreshList(false);
}

/** An incremental job's chain run: its mode, and a reconciliation's verdict. */
function chainNote(inc: HistoryLine["incremental"] | RunView["incremental"]): string {
  if (!inc) return "";
  const verdict = inc.reconciliation ? `: ${typeof inc.reconciliation === "string" ? inc.reconciliation : inc.reconciliation.outcome}` : "";
  return ` \u00b7 ${inc.mode}${verdict}`;
}

/** A line of the list; `run` is the run's full status when known. */
function runRow(line: HistoryLine | RunView, run: RunView | null): HTMLTableRowElement {
  const status = run ? run.status : line.status;
  let progress = h("td", { className: "muted", text: ("note" in line ? line.note : null) ?? "\u2014" });
  if (run) {
    const p = percent(run);
    const fill = h("b");
    fill.style.width = `${p}%`;
    progress = h("td", {}, [h("span", { className: "mini" }, [fill]), document.createTextNode(`${p}% of ${numbers.format(run.ranges.total)} ranges`)]);
  }
  const trigger = ("trigger" in line ? ` \u00b7 ${line.trigger}` : "") + chainNote(line.incremental);
  return h("tr", { "data-run": line.runId, "data-status": status }, [
    h("td", { text: line.job }),
    h("td", { className: "mono" }, [h("a", { href: `#/runs/${line.runId}`, text: line.runId })]),
    h("td", {}, [h("span", { className: `badge ${status}`, text: status })]),
    progress,
    h("td", { text: duration(elapsedMs(run ?? line, Date.now())) }),
    h("td", { text: new Date(line.createdAt).toLocaleString() + trigger }),
  ]);
}

async function withStatuses(lines: HistoryLine[]): Promise<Array<[HistoryLine, RunView | null]>> {
  await Promise.all(
    lines.map(async (line) => {
      const cached = statuses.get(line.runId);
      if (line.status === "skipped" || (cached && cached.status === line.status && isFinal(line.status))) return;
      try {
        statuses.set(line.runId, await api<RunView>("GET", `/api/runs/${line.runId}`));
      } catch {
        // Listed without its progress.
      }
    }),
  );
  return lines.map((line) => [line, statuses.get(line.runId) ?? null]);
}

/** The runs this tab opened, for a Worker without a run history. */
async function tabRunStatuses(): Promise<Array<[RunView, RunView]>> {
  const rows: Array<[RunView, RunView]> = [];
  for (const id of tabRuns()) {
    try {
      const run = await api<RunView>("GET", `/api/runs/${id}`);
      rows.push([run, run]);
    } catch {
      // Gone: not listed.
    }
  }
  return rows;
}

/** Loads the first page again, or the next one (`append`). */
export async function refreshList(append: boolean): Promise<void> {
  stopList();
  const tbody = $("runs-table").querySelector("tbody");
  if (!tbody) throw new Error("the runs table has no body");
  let rows: Array<[HistoryLine | RunView, RunView | null]>;
  let note = "";
  try {
    const q = new URLSearchParams({ limit: PAGE_SIZE });
    const job = byId("filter-job", HTMLSelectElement).value;
    const status = byId("filter-status", HTMLSelectElement).value;
    if (job) q.set("job", job);
    if (status) q.set("status", status);
    if (append && cursor) q.set("cursor", cursor);
    const page = await api<HistoryPageView>("GET", `/api/runs?${q.toString()}`);
    cursor = page.nextCursor;
    rows = await withStatuses(page.runs);
  } catch (err) {
    if (isRefused(err)) return;
    note = `The run list is not available (${messageOf(err)}); showing the runs opened in this tab.`;
    cursor = null;
    rows = await tabRunStatuses();
  }
  $("runs-note").textContent = note || (rows.length ? "" : "No runs yet.");
  if (!append) clear(tbody);
  for (const [line, run] of rows) tbody.append(runRow(line, run));
  $("runs-more").hidden = !cursor;
  if (isShown("list")) timer = setTimeout(() => void refreshList(false), REFRESH_MS);
}

/** The filters and the "more" button. */
export function wireList(): void {
  byId("filter-job", HTMLSelectElement).addEventListener("change", () => void refreshList(false));
  byId("filter-status", HTMLSelectElement).addEventListener("change", () => void refreshList(false));
  $("runs-more").addEventListener("click", () => void refreshList(true));
}
