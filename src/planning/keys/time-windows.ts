/**
 * The uniform split of a time key: windows of a fixed width, aligned to
 * multiples of the width from the Unix epoch in UTC (so `PT1H` gives clock
 * hours and `P1D` days from midnight UTC), clipped to the run's window.
 *
 * An infinite end of the window is never used in arithmetic: the windows
 * run from the first finite key to the last (asked of Postgres), and the
 * first and last ranges stretch out to `-infinity` and `infinity`, so those
 * rows fall in them. The number of ranges is known before any is made, so a
 * width that would make too many is refused up front.
 */
import { fragment, type Identifier, type Sql } from "../../db/sql";
import type { TextOf } from "../ordered";
import { MAX_RANGES, TooManyRanges } from "../uniform";
import { DomainError } from "../../lib/domain-error";
import { floorDiv, formatTime, parseTime, timeKeyOf, type TimeKind } from "./civil";
import type { KeyRange, PlannedRange, SplitPlan, SplitRequest } from "./key-type";

/** The first or last finite key of the window, asked of Postgres (an index probe). */
async function finiteEdge(sql: Sql, table: Identifier, key: Identifier, window: KeyRange, textOf: TextOf, last: boolean): Promise<string | null> {
  const end = window.endExclusive ? fragment`${key} < ${window.end}` : fragment`${key} <= ${window.end}`;
  const order = last ? fragment`${key} DESC` : fragment`${key}`;
  const [row] = await sql<{ k: string | null }>`
    SELECT ${textOf(key)} AS k FROM ${table}
    WHERE ${key} >= ${window.start} AND ${end} AND ${key} > ${"-infinity"} AND ${key} < ${"infinity"}
    ORDER BY ${order} LIMIT 1`;
  return row?.k ?? null;
}

/** A finite key the table holds, read back; one outside years 1 to 9999 cannot be windowed: a clear 400, not a crash. */
function edgeKey(text: string, kind: TimeKind, column: string): ReturnType<typeof timeKeyOf> {
  const parsed = parseTime(text, kind);
  if (!parsed.ok) throw new DomainError("invalid_bounds", `${column} holds ${text}: ${parsed.message}; give start and end to window the rest`);
  return parsed.key;
}

export async function planWindows(req: SplitRequest, kind: TimeKind, width: bigint, textOf: TextOf): Promise<SplitPlan> {
  const { sql, table, key, window } = req;
  const start = timeKeyOf(window.start, kind);
  const end = timeKeyOf(window.end, kind);
  const firstText = typeof start === "bigint" ? window.start : await finiteEdge(sql, table, key, window, textOf, false);
  const lastText = typeof end === "bigint" ? window.end : await finiteEdge(sql, table, key, window, textOf, true);
  const lo = firstText === null ? null : edgeKey(firstText, kind, key.name);
  const hi = lastText === null ? null : edgeKey(lastText, kind, key.name);
  if (typeof lo !== "bigint" || typeof hi !== "bigint") {
    return { count: 1, ranges: [{ ...window }], estimate: null };
  }
  // Window boundaries strictly after the first key, up to the last key (before it when the window excludes its end).
  const first = floorDiv(lo, width) * width + width;
  const top = typeof end === "bigint" && window.endExclusive ? hi - 1n : hi;
  const last = floorDiv(top, width) * width;
  const cuts = last >= first ? (last - first) / width + 1n : 0n;
  if (cuts + 1n > BigInt(MAX_RANGES)) {
    throw new TooManyRanges(`time windows of ${req.width ?? ""} over [${window.start}, ${window.end}] make ${cuts + 1n} ranges, over the cap of ${MAX_RANGES}`);
  }
  return { count: Number(cuts) + 1, ranges: windows(window, first, cuts, width, kind), estimate: null };
}

function* windows(window: KeyRange, first: bigint, cuts: bigint, width: bigint, kind: TimeKind): Generator<PlannedRange> {
  let start = window.start;
  for (let i = 0n; i < cuts; i++) {
    const cut = formatTime(first + i * width, kind);
    yield { start, end: cut, endExclusive: true };
    start = cut;
  }
  yield { start, end: window.end, endExclusive: window.endExclusive };
}
