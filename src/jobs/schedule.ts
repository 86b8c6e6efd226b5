/**
 * Job schedules: the cron strings a job declares and the `[triggers] crons`
 * of wrangler.toml are compared after normalising whitespace, so
 * `"0 3 * * *"` and `"0  3 * * *"` name the same trigger. Schedules are in UTC,
 * as Cloudflare runs them.
 */

const FIELD = /^[A-Za-z0-9*,/\-#?]+$/;

/**
 * The schedule with single spaces between its fields.
 *
 * @example
 * normalizeCron(" 0  3 * * *"); // "0 3 * * *"
 */
export function normalizeCron(cron: string): string {
  return cron.trim().split(/\s+/).join(" ");
}

/**
 * Whether `cron` has the five fields Cloudflare cron triggers take (minute hour day month weekday).
 *
 * @example
 * isCron("0 3 * * *"); // true
 * isCron("0 3 * *"); // false: four fields
 */
export function isCron(cron: string): boolean {
  const fields = normalizeCron(cron).split(" ");
  return fields.length === 5 && fields.every((f) => FIELD.test(f));
}
