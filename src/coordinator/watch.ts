/**
 * Live status pushed from the Coordinator to its watchers as Server-Sent
 * Events, so a dashboard sees a run move without polling.
 *
 * Each watcher is a byte stream the Coordinator returns over RPC; the Worker
 * hands it to the client as `text/event-stream`. The Coordinator calls
 * `changed()` whenever the ledger moves; pushes are coalesced to at most one
 * every PUSH_INTERVAL_MS, and the snapshot is taken when the push happens, so
 * a burst of reports costs one status read. The final status is the last
 * event: then every stream is closed. Watchers live in memory only; a client
 * that loses its stream (e.g. the object was evicted) reconnects and gets the
 * current status first, so nothing essential depends on them.
 *
 * Memory stays bounded whatever the clients do: at most MAX_WATCHERS streams
 * per run (the next one is refused with `too_many_watchers`), and a watcher
 * whose reader has not taken MAX_PENDING_EVENTS events yet is dropped rather
 * than queued another copy of the status. Writes are still not awaited: a
 * slow reader must not hold up the Coordinator. A dropped client reconnects
 * and starts from the current status, as after an eviction.
 */
import { failure, type Outcome } from "../lib/domain-error";
import { isFinished, type RunStatus } from "./types";

export const PUSH_INTERVAL_MS = 250;
/** Open `/events` streams per run; a dashboard tab holds one. */
export const MAX_WATCHERS = 10;
/** Events written but not yet taken by the reader, after which the watcher is dropped. */
export const MAX_PENDING_EVENTS = 4;

const encoder = new TextEncoder();

function event(status: RunStatus): Uint8Array {
  return encoder.encode(`event: status\ndata: ${JSON.stringify(status)}\n\n`);
}

interface Watcher {
  writer: WritableStreamDefaultWriter<Uint8Array>;
  /** Writes not yet taken by the reader. */
  pending: number;
}

export class Watchers {
  private readonly watchers = new Set<Watcher>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastPush = 0;

  /**
   * A stream that starts with `current`; it ends at once when the run is
   * already final. Refused when the run already has MAX_WATCHERS streams.
   */
  open(current: RunStatus): Outcome<ReadableStream<Uint8Array>> {
    const final = isFinished(current.status);
    if (!final && this.watchers.size >= MAX_WATCHERS) {
      return failure("too_many_watchers", `this run already has ${MAX_WATCHERS} open event streams; close one, or poll GET /api/runs/:runId`);
    }
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const watcher: Watcher = { writer: writable.getWriter(), pending: 0 };
    // A stream that ends early (client gone, watcher dropped) is expected, not an error to report.
    watcher.writer.closed.catch(() => {});
    this.watchers.add(watcher);
    this.write(watcher, event(current));
    if (final) this.drop(watcher, "close");
    return { ok: true, value: readable };
  }

  /** Open streams, for tests and logs. */
  get size(): number {
    return this.watchers.size;
  }

  /** Schedules a push of `snapshot()` to every watcher, coalescing bursts. */
  changed(snapshot: () => RunStatus | null): void {
    if (this.watchers.size === 0 || this.timer !== null) return;
    const wait = Math.max(0, this.lastPush + PUSH_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.lastPush = Date.now();
      const status = snapshot();
      if (status) this.push(status);
    }, wait);
  }

  private push(status: RunStatus): void {
    const bytes = event(status);
    const final = isFinished(status.status);
    for (const watcher of this.watchers) {
      if (watcher.pending >= MAX_PENDING_EVENTS) {
        this.drop(watcher, "abort");
        continue;
      }
      this.write(watcher, bytes);
      if (final) this.drop(watcher, "close");
    }
  }

  private write(watcher: Watcher, bytes: Uint8Array): void {
    watcher.pending++;
    watcher.writer.write(bytes).then(
      () => watcher.pending--,
      () => this.drop(watcher, "abort"),
    );
  }

  /** Forgets a watcher. `close` lets the reader take what was written; `abort` discards it, freeing the queue. */
  private drop(watcher: Watcher, how: "close" | "abort"): void {
    this.watchers.delete(watcher);
    const done = how === "close" ? watcher.writer.close() : watcher.writer.abort(new Error("the watcher fell behind"));
    void done.catch(() => {});
  }
}
