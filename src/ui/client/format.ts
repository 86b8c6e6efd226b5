/** How the dashboard writes numbers and durations. */

export const numbers = new Intl.NumberFormat("en-US");

/** `4.2s`, `2m 03s`, `1h 02m`; a dash when unknown. */
export function duration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "\u2014";
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.round(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}
