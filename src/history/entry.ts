/**
 * One line of the run history (`GET /api/runs`): what the run index stores
 * about a run, and how it is shown. The trigger is read from the run id
 * (src/runs/run-id.ts).
 */
import type { RunState } from "../coordinator/types";
import type { ChainMode } from "../incremental/chain";
import { triggerOf, type Trigger } from "../runs/run-id";

/** A run's status, or `skipped`: a scheduled run not started because the previous one was still going. */
export type HistoryStatus = RunState | "skipped";

export const HISTORY_STATUSES: readonly HistoryStatus[] = ["running", "paused", "succeeded", "failed", "cancelled", "skipped"];

/** What the index stores; times are epoch milliseconds. */
export interface HistoryEntry {
  runId: string;
  job: string;
  status: HistoryStatus;
  rows: number;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
  /** Why a run was skipped, or the run's own error line. */
  note: string | null;
  /** A run of an incremental job's chain (docs/incremental.md); absent or null otherwise. */
  incremental?: ChainSummary | null;
}

/** A chain run in the history: its mode, the run it built on or checked, and a reconciliation's verdict. */
export interface ChainSummary {
  mode: ChainMode;
  baseRunId: string | null;
  reconciliation: "match" | "mismatch" | null;
}

/** One run as `GET /api/runs` shows it. */
export interface HistoryView {
  runId: string;
  job: string;
  status: HistoryStatus;
  trigger: Trigger;
  rows: number;
  note: string | null;
  incremental: ChainSummary | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface HistoryPage {
  runs: HistoryView[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** Final statuses never change again, except a `failed` run that is retried. A paused run is still going. */
export function isActive(status: HistoryStatus): boolean {
  return status === "running" || status === "paused";
}

export function toView(entry: HistoryEntry): HistoryView {
  return {
    runId: entry.runId,
    job: entry.job,
    status: entry.status,
    trigger: triggerOf(entry.runId),
    rows: entry.rows,
    note: entry.note,
    incremental: entry.incremental ?? null,
    createdAt: new Date(entry.createdAt).toISOString(),
    updatedAt: new Date(entry.updatedAt).toISOString(),
    finishedAt: entry.finishedAt === null ? null : new Date(entry.finishedAt).toISOString(),
  };
}

/**
 * History pages are ordered newest first by (createdAt, runId); a cursor is
 * the last entry of a page, `<createdAt ms>.<runId>`.
 */
export interface Cursor {
  createdAt: number;
  runId: string;
}

const CURSOR = /^(\d{1,15})\.([A-Za-z0-9][A-Za-z0-9_-]{0,63})$/;

export function encodeCursor(entry: Cursor): string {
  return `${entry.createdAt}.${entry.runId}`;
}

export function decodeCursor(value: string): Cursor | null {
  const m = CURSOR.exec(value);
  return m?.[1] && m[2] ? { createdAt: Number(m[1]), runId: m[2] } : null;
}
