/**
 * The coverage invariant for any key type, checked by Postgres: every row of
 * a table is in exactly one leaf range of a run, using the very predicates
 * jobs get (`range.where`, predicate.ts). One SQL statement counts, for each
 * row, the leaf ranges whose predicate holds; any count other than 1 is a gap
 * or an overlap.
 */
import { env } from "cloudflare:workers";
import { withConnection } from "../src/db/connector";
import { buildQuery, fragment, Identifier, type Fragment } from "../src/db/sql";
import { inRange } from "../src/planning/keys/predicate";
import type { RangeView } from "../src/coordinator/status";
import { allRanges, query } from "./helpers";

export interface Coverage {
  rows: number;
  /** Rows in no range, and rows in more than one. */
  missed: number;
  doubled: number;
}

/** The leaf ranges (not split) of a ledger listing, in key order. */
export function leaves(ranges: readonly RangeView[]): RangeView[] {
  return ranges.filter((r) => r.status !== "split").sort((a, b) => (a.position < b.position ? -1 : 1));
}

/** A listed range as the predicate a job gets. */
export function whereOf(key: Identifier, r: Pick<RangeView, "start" | "end" | "endInclusive" | "nulls">): Fragment {
  return inRange(key, { start: r.start ?? "", end: r.end ?? "", endExclusive: !r.endInclusive, nulls: r.nulls });
}

/**
 * Counts rows of `table` in no range and in more than one, on a connection of
 * its own; `setup` runs first on that connection (e.g. a session TimeZone);
 * `within` narrows the rows expected to be covered (a window's SQL condition,
 * a constant of the test).
 */
export async function coverage(
  table: string,
  key: string,
  ranges: ReadonlyArray<Pick<RangeView, "start" | "end" | "endInclusive" | "nulls">>,
  setup?: string,
  within = "true",
): Promise<Coverage> {
  const k = new Identifier(key);
  const hits = ranges.map((r) => fragment`coalesce((${whereOf(k, r)})::int, 0)`);
  const sum = hits.length ? hits.slice(1).reduce((acc, h) => fragment`${acc} + ${h}`, hits[0] as Fragment) : fragment`0`;
  const q = buildQuery(
    ["SELECT count(*)::int AS rows, count(*) FILTER (WHERE h = 0)::int AS missed, count(*) FILTER (WHERE h > 1)::int AS doubled FROM (SELECT ", " AS h FROM ", ` WHERE ${within}) z`],
    [sum, new Identifier(table, true)],
  );
  return withConnection(env, async (c) => {
    if (setup) await c.query(setup);
    const [row] = (await c.query(q.text, q.values)).rows as Coverage[];
    if (!row) throw new Error("no coverage row");
    return row;
  });
}

/** A run's leaf ranges checked against `table`, and the rows each one's predicate holds (for balance checks). */
export async function runCoverage(runId: string, table: string, key: string, within = "true") {
  const leafs = leaves(await allRanges(runId));
  const c = await coverage(table, key, leafs, undefined, within);
  const k = new Identifier(key);
  const counted = await Promise.all(
    leafs.map(async (r) => {
      const q = buildQuery(["SELECT count(*)::int AS n FROM ", " WHERE ", ""], [new Identifier(table, true), whereOf(k, r)]);
      const [row] = await query<{ n: number }>(q.text, q.values);
      return { ...r, counted: row?.n ?? -1 };
    }),
  );
  return { rows: c.rows, uncovered: c.missed, twice: c.doubled, leaves: counted };
}
