/**
 * Draws a run status on the run page: badge, progress bar, counts, rows/s,
 * ETA, elapsed, result, errors and the buttons' state; and fetches the strip
 * again when the run has moved.
 */
import { $, byId } from "./dom";
import { renderErrors } from "./errors-table";
import { duration, numbers } from "./format";
import { elapsedMs, isFinal, percent } from "./progress";
import { currentPage } from "./run-state";
import { scheduleStrip } from "./strip";
import type { RunView } from "./wire";

function renderProgress(run: RunView): void {
  const p = percent(run);
  const { done, failed } = run.ranges;
  const fill = $("progress-fill");
  fill.style.width = `${p}%`;
  // Done in green, failed in red, in proportion.
  const ok = done + failed ? Math.round((done / (done + failed)) * 100) : 100;
  fill.style.background = failed ? `linear-gradient(90deg, var(--done) ${ok}%, var(--failed) ${ok}%)` : "";
  $("progress").setAttribute("aria-valuenow", String(p));
  $("progress-text").textContent = `${p}%`;
}

/**
 * An incremental job's chain run: its base, the keys it processed itself and
 * the watermark it leaves (the result above is cumulative); a reconciliation's
 * verdict, a mismatch shown as an error with the result it expected.
 */
function renderChain(run: RunView): void {
  const el = $("run-chain");
  const inc = run.incremental;
  el.className = "small";
  if (!inc) {
    el.textContent = "";
    return;
  }
  const keys = inc.processed ? `keys ${inc.processed.start}\u2013${inc.processed.end}` : "no keys";
  const base = inc.baseRunId ? ` on base ${inc.baseRunId}` : "";
  const parts = [`${inc.mode} run${base}: ${keys} processed by this run; the result is cumulative up to ${inc.watermark ?? "\u2014"}`];
  if (inc.rescanFrom) parts.push(`the next run re-scans from ${inc.rescanFrom}`);
  if (inc.reconciliation) {
    const r = inc.reconciliation;
    parts.push(r.outcome === "match" ? "reconciliation: match" : `reconciliation: MISMATCH, the chain's result was ${JSON.stringify(r.expected)}`);
    if (r.outcome === "mismatch") el.className = "small error";
  }
  el.textContent = parts.join("; ");
}

/** The pause and resume buttons, and why the run is held back (paused, unhealthy, at its rate), if it is. */
function renderPacing(run: RunView, final: boolean): void {
  const paused = run.status === "paused";
  const pause = byId("pause", HTMLButtonElement);
  pause.hidden = paused;
  pause.disabled = final;
  const resume = byId("resume", HTMLButtonElement);
  resume.hidden = !paused;
  resume.disabled = !paused;
  const line = $("run-pacing");
  const shown = !final && run.pacing.state !== "running";
  line.hidden = !shown;
  line.textContent = shown ? `${run.pacing.state}: ${run.pacing.reason ?? ""}` : "";
  line.setAttribute("data-state", shown ? run.pacing.state : "");
}

/** Shows `run` on the open run page (if any). */
export function render(run: RunView): void {
  const page = currentPage();
  if (!page) return;
  const was = page.run;
  page.run = run;
  const r = run.ranges;
  const final = isFinal(run.status);
  $("whoami").textContent = `${run.job} \u00b7 ${run.runId}`;
  $("run-job").textContent = run.job;
  const badge = $("run-status");
  badge.textContent = run.status + (run.phase === "canary" && run.status === "running" ? " (canary)" : "");
  badge.className = `badge ${run.status}`;
  badge.setAttribute("data-status", run.status);
  renderProgress(run);
  $("stat-ranges").textContent = `${numbers.format(r.done + r.failed)} / ${numbers.format(r.total)}`;
  $("stat-lanes").textContent = numbers.format(run.lanes.active);
  $("stat-failed").textContent = numbers.format(r.failed);
  $("stat-rows").textContent = numbers.format(run.rows);
  const now = Date.now();
  const rates = page.meter.add(run, now);
  $("rate").textContent = numbers.format(Math.round(rates.rowsPerSecond));
  $("eta").textContent = final ? "done" : duration(rates.etaMs);
  $("elapsed").textContent = duration(elapsedMs(run, now));
  $("stat-conc").textContent = `${run.concurrency.effective} / ${run.concurrency.limit}`;
  renderChain(run);
  $("result").textContent = JSON.stringify(run.result, null, 2);
  byId("cancel", HTMLButtonElement).disabled = final;
  renderPacing(run, final);
  byId("retry", HTMLButtonElement).disabled = !(run.status === "failed" && r.failed > 0);
  renderErrors(run.errors);
  if (!was || was.updatedAt !== run.updatedAt || was.status !== run.status) scheduleStrip(page, final);
}
