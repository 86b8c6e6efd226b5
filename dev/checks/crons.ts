/**
 * `npm run crons:check` (part of `npm run check`): every job's `schedule`
 * must be a five-field cron listed in wrangler.toml's `[triggers] crons`.
 * A schedule missing there would never fire in production, silently.
 * Crons listed there that no job uses are reported as a warning.
 *
 * The job registry is Worker code; tsx runs it here as plain TypeScript. It
 * is imported by a computed path so the Node-side tsconfig does not type-check
 * Worker modules under Node's module rules.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { unstable_readConfig } from "wrangler";

interface ScheduledJob {
  name: string;
  schedule?: string;
}

const root = path.resolve(import.meta.dirname, "../..");
const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(path.join(root, file)).href)) as T;

const { listJobs } = await load<{ listJobs(): ScheduledJob[] }>("src/jobs/registry.ts");
const { isCron, normalizeCron } = await load<{ isCron(c: string): boolean; normalizeCron(c: string): string }>("src/jobs/schedule.ts");

const config = unstable_readConfig({ config: path.join(root, "wrangler.toml") });
const crons = new Set<string>((config.triggers.crons ?? []).map(normalizeCron));
const problems: string[] = [];
const used = new Set<string>();

for (const job of listJobs()) {
  if (job.schedule === undefined) continue;
  const cron = normalizeCron(job.schedule);
  used.add(cron);
  if (!isCron(cron)) problems.push(`job ${job.name}: schedule ${JSON.stringify(job.schedule)} is not a five-field cron`);
  else if (!crons.has(cron)) {
    problems.push(`job ${job.name}: schedule "${cron}" is missing from [triggers] crons in wrangler.toml`);
  }
}
for (const cron of crons) {
  if (!used.has(cron)) console.warn(`crons: "${cron}" in wrangler.toml starts no job`);
}

if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`crons: ok (${used.size} scheduled)`);
