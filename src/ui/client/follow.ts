/**
 * Keeps the run page up to date: reads the Coordinator's Server-Sent Events
 * (`GET /api/runs/:id/events`, which end with the final status), and polls
 * once a second when the stream is unavailable or ends early.
 */
import { api, authorization, messageOf } from "./api";
import { $ } from "./dom";
import { isFinal } from "./progress";
import { isCurrent, type RunPage } from "./run-state";
import { render } from "./run-view";
import { refuseToken } from "./session";
import { EventSplitter } from "./sse";
import type { RunView } from "./wire";

const POLL_MS = 1000;

function isOver(page: RunPage): boolean {
  return page.run !== null && isFinal(page.run.status);
}

async function poll(page: RunPage): Promise<void> {
  if (!isCurrent(page)) return;
  try {
    render(await api<RunView>("GET", `/api/runs/${page.id}`));
  } catch (err) {
    $("run-message").textContent = messageOf(err);
  }
  if (isCurrent(page) && !isOver(page)) page.pollTimer = setTimeout(() => void poll(page), POLL_MS);
}

/** Reads the run's events until the stream ends; then polls unless the run is over. */
export async function follow(page: RunPage): Promise<void> {
  try {
    page.abort = new AbortController();
    const res = await fetch(`/api/runs/${page.id}/events`, {
      headers: { authorization: authorization(), accept: "text/event-stream" },
      signal: page.abort.signal,
    });
    if (res.status === 401) return refuseToken("The API refused the token.");
    if (res.status === 404) {
      $("run-message").textContent = `No run ${page.id}.`;
      return;
    }
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const events = new EventSplitter();
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      for (const data of events.push(chunk.value)) {
        if (isCurrent(page)) render(JSON.parse(data) as RunView);
      }
    }
  } catch (err) {
    if (!isCurrent(page) || (err instanceof DOMException && err.name === "AbortError")) return;
  }
  if (isCurrent(page) && !isOver(page)) await poll(page);
}
