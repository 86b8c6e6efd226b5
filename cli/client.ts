/**
 * The CLI's typed client for rangemap's HTTP API, also used by the demo, the
 * benchmark and the end-to-end tests. Its response types are the Worker's own
 * (imported as types), and "is the run over?" is the Worker's `isFinished`, so
 * the client cannot drift from what the API sends. Errors carry the API's
 * error envelope.
 */
import type { DryRun } from "../src/planning/dry-run.js";
import { isFinished, type RunStatus } from "../src/coordinator/types.js";
import type { HistoryPage } from "../src/history/entry.js";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class RangemapClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      throw new ApiError(res.status, "bad_response", `non-JSON response (${res.status}): ${text.slice(0, 200)}`);
    }
    if (!res.ok) {
      const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(res.status, err?.code ?? "http_error", err?.message ?? `HTTP ${res.status}`);
    }
    return json as T;
  }

  startRun(job: string, options: Record<string, unknown> = {}): Promise<RunStatus> {
    return this.call("POST", `/api/jobs/${encodeURIComponent(job)}/runs`, options);
  }

  getRun(runId: string): Promise<RunStatus> {
    return this.call("GET", `/api/runs/${encodeURIComponent(runId)}`);
  }

  cancelRun(runId: string): Promise<RunStatus> {
    return this.call("POST", `/api/runs/${encodeURIComponent(runId)}/cancel`);
  }

  pauseRun(runId: string): Promise<RunStatus> {
    return this.call("POST", `/api/runs/${encodeURIComponent(runId)}/pause`);
  }

  resumeRun(runId: string): Promise<RunStatus> {
    return this.call("POST", `/api/runs/${encodeURIComponent(runId)}/resume`);
  }

  retryRun(runId: string): Promise<RunStatus> {
    return this.call("POST", `/api/runs/${encodeURIComponent(runId)}/retry`);
  }

  /** A dry run: the plan, without a run. */
  planRun(job: string, options: Record<string, unknown> = {}): Promise<DryRun> {
    return this.call("POST", `/api/jobs/${encodeURIComponent(job)}/runs`, { ...options, dryRun: true });
  }

  listRuns(query: { job?: string; status?: string; limit?: number; cursor?: string } = {}): Promise<HistoryPage> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
    return this.call("GET", `/api/runs${q.size ? `?${q.toString()}` : ""}`);
  }

  /**
   * The run's status events (`GET /api/runs/:id/events`), pushed by its
   * Coordinator, until the stream ends (after the final status).
   */
  async *events(runId: string, signal?: AbortSignal): AsyncGenerator<RunStatus> {
    const res = await fetch(new URL(`/api/runs/${encodeURIComponent(runId)}/events`, this.baseUrl), {
      headers: { authorization: `Bearer ${this.token}`, accept: "text/event-stream" },
      signal,
    });
    if (!res.ok || !res.body) {
      const err = ((await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(res.status, err?.code ?? "http_error", err?.message ?? `HTTP ${res.status}`);
    }
    const decoder = new TextDecoder();
    let buf = "";
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let at: number;
      while ((at = buf.indexOf("\n\n")) >= 0) {
        const data = buf
          .slice(0, at)
          .split("\n")
          .filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(5).trimStart())
          .join("\n");
        buf = buf.slice(at + 2);
        if (data) yield JSON.parse(data) as RunStatus;
      }
    }
  }
}

/**
 * Follows a run until it is final, calling `onUpdate` with each status: from
 * the pushed events while the stream lasts, then by polling (a stream can end
 * early, e.g. when the Coordinator restarts).
 */
export async function followRun(
  client: RangemapClient,
  runId: string,
  onUpdate: (run: RunStatus) => void,
  intervalMs = 500,
): Promise<RunStatus> {
  try {
    for await (const run of client.events(runId)) {
      onUpdate(run);
      if (isFinished(run.status)) return run;
    }
  } catch (err) {
    if (err instanceof ApiError && err.status < 500) throw err;
  }
  return watchRun(client, runId, onUpdate, intervalMs);
}

/** Polls until the run is final, calling `onUpdate` with each status. */
export async function watchRun(
  client: RangemapClient,
  runId: string,
  onUpdate: (run: RunStatus) => void,
  intervalMs = 200,
): Promise<RunStatus> {
  for (;;) {
    const run = await client.getRun(runId);
    onUpdate(run);
    if (isFinished(run.status)) return run;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
