/**
 * Live status pushed from the Coordinator to its watchers as Server-Sent
 * Events, so a dashboard sees a run move without polling.
 *
 * Each watcher is a byte stream the Coordinator returns over RPC; the Worker
 * hands it to the client as `text/event-stream`. The Coordinator calls
 * `changed()` whenever the ledger moves; pushes are coalesced to at most one
 * every PUSH_INTERVAL_MS, and the snapshot is taken when the push happens, so
 * a burst of reports costs one status read. The final status is the last
 * event: then every stream is closed. A watcher that went away fails its next
 * write and is dropped. Watchers live in memory only; a client that loses its
 * stream (e.g. the object was evicted) reconnects and gets the current status
 * first, so nothing essential depends on them.
 */
import { isFinished, type RunStatus } from "./types";

export const PUSH_INTERVAL_MS = 250;

const encoder = new TextEncoder();

function event(status: RunStatus): Uint8Array {
  return encoder.encode(`event: status\ndata: ${JSON.stringify(status)}\n\n`);
}

export class Watchers {
  private readonly writers = new Set<WritableStreamDefaultWriter<Uint8Array>>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastPush = 0;

  /** A stream that starts with `current`; it ends at once when the run is already final. */
  open(current: RunStatus): ReadableStream<Uint8Array> {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    this.write(writer, event(current));
    if (isFinished(current.status)) void writer.close().catch(() => {});
    else this.writers.add(writer);
    return readable;
  }

  /** Schedules a push of `snapshot()` to every watcher, coalescing bursts. */
  changed(snapshot: () => RunStatus | null): void {
    if (this.writers.size === 0 || this.timer !== null) return;
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
    for (const writer of this.writers) {
      this.write(writer, bytes);
      if (final) void writer.close().catch(() => {});
    }
    if (final) this.writers.clear();
  }

  private write(writer: WritableStreamDefaultWriter<Uint8Array>, bytes: Uint8Array): void {
    // Not awaited: a slow reader must not hold up the Coordinator.
    writer.write(bytes).catch(() => this.writers.delete(writer));
  }
}
