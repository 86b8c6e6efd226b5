/**
 * Structured logs: every line is one JSON object, with `runId`, `rangeId`
 * and `attempt` where they apply, so Workers Logs can filter one run or one
 * range. Never pass secrets or connection strings. Long strings (error
 * messages) are cut, so one bad row cannot flood the logs.
 */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export const MAX_FIELD_CHARS = 500;

/** The JSON line for a log record: `level` and `msg` first, then the fields. */
export function logLine(level: "info" | "error", msg: string, fields: LogFields = {}): string {
  const record: LogFields = { level, msg };
  for (const [key, value] of Object.entries(fields)) {
    if (key === "level" || key === "msg") continue;
    record[key] = typeof value === "string" && value.length > MAX_FIELD_CHARS ? `${value.slice(0, MAX_FIELD_CHARS)}…` : value;
  }
  return JSON.stringify(record);
}

export function log(msg: string, fields: LogFields = {}): void {
  console.log(logLine("info", msg, fields));
}

export function logError(msg: string, fields: LogFields = {}): void {
  console.error(logLine("error", msg, fields));
}
