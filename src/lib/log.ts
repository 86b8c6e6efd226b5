/**
 * Structured logs: every line is one JSON object, with `runId`, `rangeId`
 * and `attempt` where they apply. Never pass secrets or connection strings.
 */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export function log(msg: string, fields: LogFields = {}): void {
  console.log(JSON.stringify({ level: "info", msg, ...fields }));
}

export function logError(msg: string, fields: LogFields = {}): void {
  console.error(JSON.stringify({ level: "error", msg, ...fields }));
}
