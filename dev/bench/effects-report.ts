/**
 * The effects benchmark's figures (dev/bench/effects.ts): their shape in
 * bench/results.json (`effects`), and their generated table in
 * docs/performance.md, between the effects markers, so the page always shows
 * the file's figures.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

export interface EffectsScenario {
  writes: "exactly-once" | "at-least-once";
  job: string;
  rows: number;
  ranges: number;
  concurrency: number;
  /** Median wall time, from the POST to the final status. */
  seconds: number;
  runs: number[];
}

export interface EffectsFigures {
  scenarios: EffectsScenario[];
  /** (exactly-once − at-least-once) / ranges, C = 1: what the record, the lock and the lookup add to one range. */
  extraMsPerRangeC1: number;
  ratioC1: number;
  ratioC8: number;
}

const fmt = (n: number) => n.toLocaleString("en-US");

function table(f: EffectsFigures & { date?: string }): string {
  return [
    "| writes | job | rows | ranges | C | seconds | runs |",
    "|---|---|---:|---:|---:|---:|---|",
    ...f.scenarios.map((s) => `| ${s.writes} | ${s.job} | ${fmt(s.rows)} | ${fmt(s.ranges)} | ${s.concurrency} | ${s.seconds.toFixed(3)} | ${s.runs.join(", ")} |`),
    "",
    "| figure | value | what it is |",
    "|---|---:|---|",
    `| extraMsPerRangeC1 | ${f.extraMsPerRangeC1} | (exactly-once − at-least-once) / ranges at C = 1: the try-lock, the lookup and the record of one range |`,
    `| ratioC1 | ${f.ratioC1} | exactly-once / at-least-once, C = 1 |`,
    `| ratioC8 | ${f.ratioC8} | exactly-once / at-least-once, C = 8 |`,
  ].join("\n");
}

/** Regenerates the effects table of docs/performance.md from bench/results.json; null when either lacks its part. */
export async function updateEffectsDocs(root: string): Promise<string | null> {
  const results = JSON.parse(await readFile(path.join(root, "bench", "results.json"), "utf8")) as { effects?: EffectsFigures };
  if (!results.effects) return null;
  const file = path.join(root, "docs", "performance.md");
  const text = await readFile(file, "utf8");
  const start = "<!-- effects:start -->";
  const end = "<!-- effects:end -->";
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return null;
  await writeFile(file, `${text.slice(0, a + start.length)}\n${table(results.effects)}\n${text.slice(b)}`);
  return file;
}
