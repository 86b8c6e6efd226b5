/**
 * The list view's two forms: start a run of a job (with optional bounds,
 * rows per range, concurrency and canary), and open a run by its id.
 */
import { api, messageOf } from "./api";
import { $, byId } from "./dom";
import type { StartRunBody } from "./wire";

/** The trimmed value of an input, or undefined when it is empty. */
function optional(id: string): string | undefined {
  const value = byId(id, HTMLInputElement).value.trim();
  return value === "" ? undefined : value;
}

function optionalNumber(id: string): number | undefined {
  const value = optional(id);
  return value === undefined ? undefined : Number(value);
}

async function start(): Promise<void> {
  $("start-error").textContent = "";
  const body: StartRunBody = {
    start: optional("opt-start"),
    end: optional("opt-end"),
    rowsPerRange: optionalNumber("opt-rpr"),
    concurrency: optionalNumber("opt-conc"),
  };
  if (!byId("opt-canary", HTMLInputElement).checked) body.canary = false;
  try {
    const job = byId("job-select", HTMLSelectElement).value;
    const run = await api<{ runId: string }>("POST", `/api/jobs/${encodeURIComponent(job)}/runs`, body);
    location.hash = `#/runs/${run.runId}`;
  } catch (err) {
    $("start-error").textContent = messageOf(err);
  }
}

export function wireStartForm(): void {
  byId("start-form", HTMLFormElement).addEventListener("submit", (ev) => {
    ev.preventDefault();
    void start();
  });
  byId("open-form", HTMLFormElement).addEventListener("submit", (ev) => {
    ev.preventDefault();
    const id = byId("open-id", HTMLInputElement).value.trim();
    if (id) location.hash = `#/runs/${id}`;
  });
}
