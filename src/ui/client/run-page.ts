/**
 * The run page (`#/runs/:id`): opening and leaving it, its Cancel and
 * Retry-failed buttons, and the elapsed time that ticks between events.
 */
import { api, messageOf } from "./api";
import { $ } from "./dom";
import { duration } from "./format";
import { follow } from "./follow";
import { elapsedMs, isFinal, RateMeter } from "./progress";
import { closePage, currentPage, openPage } from "./run-state";
import { render } from "./run-view";
import { rememberRun } from "./session";
import { STRIP_HINT } from "./strip";
import { show } from "./views";
import type { RunView } from "./wire";

const TICK_MS = 1000;

export function leaveRun(): void {
  closePage();
}

export function openRun(id: string): void {
  if (currentPage()?.id === id) return;
  closePage();
  rememberRun(id);
  show("run");
  const page = openPage(id);
  $("run-id").textContent = id;
  $("run-job").textContent = "";
  $("run-message").textContent = "";
  $("strip-detail").textContent = STRIP_HINT;
  $("strip").replaceChildren();
  void follow(page);
}

/** Cancel, pause or resume: the answer is the run's new status. */
async function act(action: "cancel" | "pause" | "resume"): Promise<void> {
  const page = currentPage();
  if (!page) return;
  try {
    render(await api<RunView>("POST", `/api/runs/${page.id}/${action}`));
  } catch (err) {
    $("run-message").textContent = messageOf(err);
  }
}

async function retry(): Promise<void> {
  const page = currentPage();
  if (!page) return;
  try {
    render(await api<RunView>("POST", `/api/runs/${page.id}/retry`));
    page.abort?.abort();
    clearTimeout(page.pollTimer);
    page.meter = new RateMeter();
    void follow(page);
  } catch (err) {
    $("run-message").textContent = messageOf(err);
  }
}

/** The buttons, and the elapsed time between events. */
export function wireRunPage(): void {
  for (const action of ["cancel", "pause", "resume"] as const) $(action).addEventListener("click", () => void act(action));
  $("retry").addEventListener("click", () => void retry());
  setInterval(() => {
    const run = currentPage()?.run;
    if (run && !isFinal(run.status)) $("elapsed").textContent = duration(elapsedMs(run, Date.now()));
  }, TICK_MS);
}
