/**
 * Run ids, and what they say about the run's trigger. A run id names its
 * Coordinator, so a trigger that may fire twice (a retried API call with an
 * Idempotency-Key, a redelivered webhook, a duplicate cron tick) derives the
 * same id and finds the run it already started. The prefix of a derived id
 * is the only record of its trigger; this module writes it and reads it back.
 */

export type Trigger = "api" | "webhook" | "cron";

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Derived-id prefixes and the trigger each one stands for. Random ids have none and come from the API. */
const PREFIXES = { idem: "api", wh: "webhook", cron: "cron" } as const satisfies Record<string, Trigger>;
type Prefix = keyof typeof PREFIXES;

export function isRunId(value: string): boolean {
  return RUN_ID.test(value);
}

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A fresh run id for an API call without an Idempotency-Key: a time prefix, so ids sort by creation, then randomness. */
export function newRunId(now = Date.now()): string {
  const random = crypto.getRandomValues(new Uint8Array(8));
  return `${now.toString(36)}-${hex(random.buffer)}`;
}

async function derived(prefix: Prefix, ...parts: string[]): Promise<string> {
  const data = new TextEncoder().encode([prefix, ...parts].join("\n"));
  return `${prefix}-${hex(await crypto.subtle.digest("SHA-256", data)).slice(0, 32)}`;
}

/** The run an API call with this Idempotency-Key starts. */
export function idempotentRunId(job: string, key: string): Promise<string> {
  return derived("idem", job, key);
}

/** The run a webhook delivery with this `webhook-id` starts. */
export function webhookRunId(webhookId: string): Promise<string> {
  return derived("wh", webhookId);
}

/**
 * The run a cron trigger starts for `job` at its scheduled time (ISO 8601).
 *
 * @example await scheduledRunId("orders-total", "2026-11-28T03:00:00.000Z") // "cron-…"
 */
export function scheduledRunId(job: string, slot: string): Promise<string> {
  return derived("cron", job, slot);
}

/** The trigger that started a run, read from its id. */
export function triggerOf(runId: string): Trigger {
  const dash = runId.indexOf("-");
  const prefix = dash > 0 ? runId.slice(0, dash) : "";
  return prefix in PREFIXES ? PREFIXES[prefix as Prefix] : "api";
}
