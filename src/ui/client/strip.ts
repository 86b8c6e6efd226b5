/**
 * The range strip of the run page: the run's ranges in key order in at most
 * 200 cells, each coloured by status, with a cell's keys, rows, duration,
 * attempts and error shown on hover. It is fetched at most once a second
 * while the run moves, and once more when it ends.
 */
import { api } from "./api";
import { $, clear, h } from "./dom";
import { numbers } from "./format";
import { isCurrent, type RunPage } from "./run-state";
import type { StripBinView, StripView } from "./wire";

const BINS = 200;
const EVERY_MS = 1000;
export const STRIP_HINT = "Hover over the strip for a range's keys, rows, duration, attempts and error.";

type CellStatus = "failed" | "running" | "done" | "partial" | "pending";

function cellStatus(b: StripBinView): CellStatus {
  if (b.failed) return "failed";
  if (b.running) return "running";
  if (b.done === b.ranges) return "done";
  return b.done ? "partial" : "pending";
}

/** A bin's keys as the key type writes them: `[start, end]`, `[start, end)` or NULL keys. */
export function keysOf(b: Pick<StripBinView, "start" | "end" | "endInclusive" | "nulls">): string {
  return b.nulls ? "keys NULL" : `keys [${b.start ?? ""}, ${b.end ?? ""}${b.endInclusive ? "]" : ")"}`;
}

/** The hover text of a cell, in up to three lines. */
export function describe(b: StripBinView): string {
  const what = b.rangeId !== null ? `range ${b.rangeId}` : `${numbers.format(b.ranges)} ranges`;
  const counts = (["done", "running", "pending", "failed"] as const).filter((s) => b[s]).map((s) => `${numbers.format(b[s])} ${s}`);
  const slowest = b.maxDurationMs !== null ? ` \u00b7 ${b.rangeId !== null ? "" : "slowest "}${numbers.format(b.maxDurationMs)} ms` : "";
  const lines = [
    `${what} \u00b7 ${keysOf(b)}${b.oversized ? ` \u00b7 ${numbers.format(b.oversized)} oversized (one key value holds more rows than a range should)` : ""}`,
    `${counts.join(", ")} \u00b7 ${numbers.format(b.rows)} rows${slowest} \u00b7 attempts ${b.maxAttempts}`,
  ];
  if (b.error) {
    const { rangeId, attempt, code, message } = b.error;
    lines.push(`error (range ${rangeId}, attempt ${attempt}): ${code ? `${code} ` : ""}${message}`);
  }
  return lines.join("\n");
}

function renderStrip(strip: StripView): void {
  const el = $("strip");
  clear(el);
  for (const b of strip.bins) {
    const status = cellStatus(b);
    const detail = describe(b);
    const cell = h("div", { className: "cell", "data-status": status, title: detail });
    if (status === "partial" || status === "done") {
      const fill = h("b");
      fill.style.height = `${Math.round((b.done / b.ranges) * 100)}%`;
      cell.append(fill);
    }
    cell.addEventListener("mouseenter", () => void ($("strip-detail").textContent = detail));
    el.append(cell);
  }
}

async function loadStrip(page: RunPage): Promise<void> {
  page.stripAt = Date.now();
  try {
    const strip = await api<StripView>("GET", `/api/runs/${page.id}/strip?bins=${BINS}`);
    if (isCurrent(page)) renderStrip(strip);
  } catch {
    // The next status event fetches it again.
  }
}

/** Fetches the strip again: at once (`now`), or at most once a second. */
export function scheduleStrip(page: RunPage, now: boolean): void {
  clearTimeout(page.stripTimer);
  const wait = now ? 0 : Math.max(0, page.stripAt + EVERY_MS - Date.now());
  page.stripTimer = setTimeout(() => void loadStrip(page), wait);
}
