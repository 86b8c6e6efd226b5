/**
 * A small typed client for rangemap's HTTP API, used by the demo (and later
 * the CLI and the benchmark). Errors carry the API's error envelope.
 */

export interface RunStatusJson {
  runId: string;
  job: string;
  status: "planning" | "running" | "succeeded" | "failed" | "cancelled";
  phase: string;
  bounds: { start: string | null; end: string | null };
  ranges: { total: number; pending: number; running: number; done: number; failed: number };
  rows: number;
  result: unknown;
  errors: Array<{ rangeId: number | null; code: string | null; message: string }>;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

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

  startRun(job: string, options: Record<string, unknown> = {}): Promise<RunStatusJson> {
    return this.call("POST", `/api/jobs/${encodeURIComponent(job)}/runs`, options);
  }

  getRun(runId: string): Promise<RunStatusJson> {
    return this.call("GET", `/api/runs/${encodeURIComponent(runId)}`);
  }

  cancelRun(runId: string): Promise<RunStatusJson> {
    return this.call("POST", `/api/runs/${encodeURIComponent(runId)}/cancel`);
  }
}

const FINAL = new Set(["succeeded", "failed", "cancelled"]);

/** Polls until the run is final, calling `onUpdate` with each status. */
export async function watchRun(
  client: RangemapClient,
  runId: string,
  onUpdate: (run: RunStatusJson) => void,
  intervalMs = 200,
): Promise<RunStatusJson> {
  for (;;) {
    const run = await client.getRun(runId);
    onUpdate(run);
    if (FINAL.has(run.status)) return run;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
