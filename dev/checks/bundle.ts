/**
 * `npm run bundle:check` (part of `npm run check`, after `deploy:dry-run`):
 * the Worker that `wrangler deploy` ships holds the shipped jobs only. The dev
 * and test jobs (dev/jobs/, test/jobs/) reach the Worker only through the
 * dev configurations of the job list `@jobs`; if one of them leaked into the
 * production bundle, a deployed Worker would offer it.
 *
 * It reads the dry-run bundle in .wrangler/dry-run and fails if it contains a
 * module from dev/ or test/, or the name of a job that is not shipped. Each
 * pattern is first checked to find what it should (a shipped module, a shipped
 * job's name), so a change in the bundle's format cannot make the check pass
 * vacuously. The job lists are Worker code, imported by a computed path as in
 * check-crons.ts.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";

interface Named {
  name: string;
}

const root = path.resolve(import.meta.dirname, "../..");
const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(path.join(root, file)).href)) as T;

const shipped = (await load<{ jobs: readonly Named[] }>("src/jobs/index.ts")).jobs.map((j) => j.name);
// The test list is the longest: shipped + dev (benchmark, end-to-end) + test-only jobs.
const all = (await load<{ jobs: readonly Named[] }>("test/jobs/index.ts")).jobs.map((j) => j.name);
const unshipped = all.filter((name) => !shipped.includes(name));

const bundleFile = path.join(root, ".wrangler", "dry-run", "index.js");
const bundle = await readFile(bundleFile, "utf8");
const problems: string[] = [];

// esbuild marks where each module starts with a `// <path>` line.
const moduleLine = (file: string) => new RegExp(`^// ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m");
const jobName = (name: string) => `name: ${JSON.stringify(name)}`;

if (!moduleLine("src/jobs/index.ts").test(bundle)) problems.push("the module marker of src/jobs/index.ts is missing: the check cannot see modules");
for (const name of shipped) {
  if (!bundle.includes(jobName(name))) problems.push(`shipped job ${name} is not found as ${jobName(name)}: the check cannot see job names`);
}
const leaked = bundle.match(/^\/\/ (dev|test)\/.*$/gm) ?? [];
for (const line of leaked) problems.push(`module ${line.slice(3)} is in the production bundle`);
for (const name of unshipped) {
  if (bundle.includes(jobName(name))) problems.push(`job ${name} (dev/test only) is in the production bundle`);
}

if (problems.length) {
  console.error(`${path.relative(root, bundleFile)}:\n${problems.join("\n")}`);
  process.exit(1);
}
console.log(`bundle: ok (ships ${shipped.join(", ")}; none of ${unshipped.length} dev/test jobs)`);
