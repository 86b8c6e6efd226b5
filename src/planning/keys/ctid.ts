/**
 * No key at all: the physical row position (`ctid`, a tid `(page,item)`).
 * A table with no usable key can still be cut, into page ranges
 * `[(p,0), (q,0))`, each read by a TID Range Scan (PostgreSQL 14+), so a
 * range reads only its own pages, with no index.
 *
 * The window is the table's pages when the run is planned:
 * `[(0,0), (last page,65535)]`. Pages the table grows by during the run are
 * outside it. What this promises while the table changes (docs/keys.md):
 * a row neither updated nor deleted during the run is counted exactly once;
 * an UPDATE writes a new row version at a new ctid, so a row updated n times
 * during the run may be counted from 0 to n + 1 times. Hence `defineJob`
 * refuses ctid for jobs that write.
 */
import type { Identifier, Sql } from "../../db/sql";
import { DomainError } from "../../lib/domain-error";
import { MAX_RANGES, TooManyRanges } from "../uniform";
import { summarize, type KeyRange, type KeyType, type PlannedRange } from "./key-type";

/** The first server with TID Range Scans (PostgreSQL 14). */
export const MIN_SERVER_VERSION = 140000;
/** Largest item number a tid holds (an OffsetNumber is 16 bits): the end of a page. */
export const LAST_ITEM = 65535;
const MAX_PAGE = 2 ** 32 - 1;
/** Pages counted to estimate rows per page when the table has no statistics. */
const SAMPLE_PAGES = 1000;

const TID = /^\(\s*(\d{1,10})\s*,\s*(\d{1,5})\s*\)$/;

export interface Tid {
  page: number;
  item: number;
}

/**
 * Reads a tid in Postgres's form; null when it is not one.
 *
 * @example parseTid("(12,3)") // { page: 12, item: 3 }
 */
export function parseTid(text: string): Tid | null {
  const m = TID.exec(text.trim());
  if (!m) return null;
  const page = Number(m[1]);
  const item = Number(m[2]);
  if (page > MAX_PAGE || item > LAST_ITEM) return null;
  return { page, item };
}

export const tidText = (t: Tid): string => `(${t.page},${t.item})`;

function tid(text: string): Tid {
  const t = parseTid(text);
  if (!t) throw new TypeError(`not a tid: ${JSON.stringify(text)}`);
  return t;
}

function compareTid(a: Tid, b: Tid): number {
  return a.page !== b.page ? Math.sign(a.page - b.page) : Math.sign(a.item - b.item);
}

/** The pages a range touches: from its start page to its end page, that one counted when any of its items is in the range. */
function pagesOf(range: KeyRange): number {
  const s = tid(range.start);
  const e = tid(range.end);
  return e.page - s.page + (e.item > 0 || !range.endExclusive ? 1 : 0);
}

/**
 * Why a server cannot split by ctid, or null when it can: before PostgreSQL
 * 14 there is no TID Range Scan, and each range would scan the whole table.
 *
 * @example ctidUnsupported(130011, "13.11") // "keyType \"ctid\" needs PostgreSQL 14 or later …"
 */
export function ctidUnsupported(versionNum: number, version: string): string | null {
  return versionNum >= MIN_SERVER_VERSION
    ? null
    : `keyType "ctid" needs PostgreSQL 14 or later (a TID Range Scan reads each range's pages alone); this server is ${version}`;
}

async function requireTidRangeScan(sql: Sql): Promise<void> {
  const [row] = await sql<{ v: number; version: string }>`
    SELECT current_setting('server_version_num')::int AS v, current_setting('server_version') AS version`;
  const problem = ctidUnsupported(Number(row?.v ?? 0), row?.version ?? "unknown");
  if (problem) throw new DomainError("unsupported_database", problem);
}

/** The table's pages now, and its rows per page: from its statistics, or counted on its first pages when it has none. */
async function layout(sql: Sql, table: Identifier, window: KeyRange | null): Promise<{ pages: number; rowsPerPage: number }> {
  const [row] = await sql<{ pages: string; reltuples: number; relpages: number }>`
    SELECT (pg_relation_size(c.oid) / current_setting('block_size')::bigint)::text AS pages, c.reltuples::float8 AS reltuples, c.relpages
    FROM pg_class c WHERE c.oid = to_regclass(${table.quoted})`;
  const pages = Number(row?.pages ?? 0);
  if (row && row.relpages > 0 && row.reltuples >= 0) return { pages, rowsPerPage: row.reltuples / row.relpages };
  if (!window || pages === 0) return { pages, rowsPerPage: 0 };
  const first = tid(window.start).page;
  const sample = Math.max(1, Math.min(SAMPLE_PAGES, pages - first));
  const [counted] = await sql<{ n: string }>`
    SELECT count(*)::text AS n FROM ${table} WHERE ctid >= ${tidText({ page: first, item: 0 })} AND ctid < ${tidText({ page: first + sample, item: 0 })}`;
  return { pages, rowsPerPage: Number(counted?.n ?? 0) / sample };
}

export const ctidKey: KeyType = {
  name: "ctid",
  columnTypes: ["tid"],
  indexless: true,
  splits: ["balanced"],
  parse(value) {
    const t = typeof value === "string" ? parseTid(value) : null;
    return t ? { ok: true, key: tidText(t) } : { ok: false, message: "must be a row position \"(page,item)\", e.g. \"(120,0)\"" };
  },
  compare: (a, b) => compareTid(tid(a), tid(b)),
  domain: () => ({ start: "(0,0)", end: tidText({ page: MAX_PAGE, item: LAST_ITEM }) }),
  checkWidth: (width) => (width === undefined ? null : "a ctid split is by pages; it takes no width"),

  async bounds(sql, table) {
    await requireTidRangeScan(sql);
    const { pages } = await layout(sql, table, null);
    if (pages === 0) return null;
    return { start: "(0,0)", end: tidText({ page: pages - 1, item: LAST_ITEM }) };
  },

  async split({ sql, table, window, rowsPerRange }) {
    await requireTidRangeScan(sql);
    const { rowsPerPage } = await layout(sql, table, window);
    const perRange = Math.max(1, Math.floor(rowsPerRange / Math.max(rowsPerPage, 1e-9)));
    const start = tid(window.start);
    const end = tid(window.end);
    // Cuts at page starts strictly inside the window: (k,0) > start and (k,0) < end.
    const cuts: number[] = [];
    for (let k = start.page + perRange; k < end.page || (k === end.page && end.item > 0); k += perRange) {
      cuts.push(k);
      if (cuts.length >= MAX_RANGES) throw new TooManyRanges(`a ctid split makes over ${MAX_RANGES} ranges`);
    }
    const ranges: PlannedRange[] = [];
    let from = window.start;
    for (const k of cuts) {
      const to = tidText({ page: k, item: 0 });
      ranges.push({ start: from, end: to, endExclusive: true, estimate: Math.round(perRange * rowsPerPage) });
      from = to;
    }
    const last: KeyRange = { start: from, end: window.end, endExclusive: window.endExclusive };
    ranges.push({ ...last, estimate: Math.round(pagesOf(last) * rowsPerPage) });
    return { count: ranges.length, ranges, estimate: summarize(ranges.map((r) => r.estimate ?? 0)) };
  },

  /** Halves at the middle page; a range of one page is not split (a page holds a few hundred rows at most). */
  halve(range) {
    const s = tid(range.start);
    const mid = s.page + Math.floor(pagesOf(range) / 2);
    const at = { page: mid, item: 0 };
    if (mid <= s.page || compareTid(at, tid(range.end)) >= 0) return null;
    const cut = tidText(at);
    return [
      { start: range.start, end: cut, endExclusive: true },
      { start: cut, end: range.end, endExclusive: range.endExclusive },
    ];
  },

  forJob: (key) => key,
};

