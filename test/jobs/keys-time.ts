/**
 * Test jobs for the uuid and time key types (test/keys-*.test.ts): the
 * orders-total aggregate (`{ rows, totalAmount }`) over tables those tests
 * create, keyed by uuid, timestamp and date; a scheduled job with a
 * previous-day window; a job whose declared key type does not fit its
 * column; and jobs whose wide ranges time out, so the Coordinator halves them.
 */
import type { Identifier, Sql } from "../../src/db/sql";
import { defineJob, type Range } from "../../src/jobs/define";
import type { KeyTypeName } from "../../src/planning/keys/key-type";
import { timeKeyOf } from "../../src/planning/keys/civil";
import { uuidToBigInt } from "../../src/planning/keys/uuid";
import { totalsCombine } from "./faults";

/** The schedule of `test-day-window`; nothing else fires on it. */
export const DAY_WINDOW_CRON = "7 0 * * *";

async function sum(sql: Sql, table: Identifier, range: Range<string>) {
  const [row] = await sql<{ rows: string; total: string }>`
    SELECT count(*) AS rows, coalesce(sum(amount), 0)::text AS total FROM ${table} WHERE ${range.where}`;
  return { rows: Number(row?.rows ?? 0), totalAmount: row?.total ?? "0" };
}

function keyed(
  name: string,
  table: string,
  key: string,
  keyType: Exclude<KeyTypeName, "integer" | "ctid" | "text">,
  extra: { schedule?: string; scheduleWindow?: string; allowUnindexedKey?: boolean } = {},
) {
  return defineJob({
    name,
    table,
    key,
    keyType,
    rowsPerRange: 2_000,
    ...extra,
    process: (range, { sql, target }) => sum(sql, target.table, range),
    combine: totalsCombine,
  });
}

/** Sleeps past its 1 s timeout on a range wider than `tooWide` says, so the run halves it until it is not. */
function slowWhenWide(name: string, table: string, keyType: "uuid" | "timestamp", tooWide: (start: string, end: string) => boolean) {
  return defineJob({
    name,
    table,
    key: keyType === "uuid" ? "id" : "at",
    keyType,
    timeoutSeconds: 1,
    maxAttempts: 2,
    async process(range, { sql, target }) {
      if (!range.nulls && tooWide(range.start, range.end)) await sql`SELECT pg_sleep(3)`;
      return sum(sql, target.table, range);
    },
    combine: totalsCombine,
  });
}

const micros = (text: string) => {
  const k = timeKeyOf(text, "timestamp");
  return typeof k === "bigint" ? k : null;
};

export const keyTimeJobs = [
  keyed("test-uuid-v4", "k_uuid_v4", "id", "uuid"),
  keyed("test-uuid-v7", "k_uuid_v7", "id", "uuid"),
  keyed("test-ts", "k_ts", "at", "timestamp"),
  keyed("test-date", "k_date", "d", "date"),
  keyed("test-date-unindexed", "k_date_unindexed", "d", "date", { allowUnindexedKey: true }),
  // A heavy first value behind an explicit start that is not a key (test/keys-oversized.integration.test.ts).
  keyed("test-ts-heavy-first", "k_heavy_first", "at", "timestamptz"),
  keyed("test-day-window", "k_day", "at", "timestamptz", { schedule: DAY_WINDOW_CRON, scheduleWindow: "P1D" }),
  // A uuid key declared over a bigint column: the 422 key_type_mismatch.
  keyed("test-uuid-on-bigint", "t_dense", "id", "uuid"),
  // Over an eighth of the 128-bit space, or over 6 hours, is too wide.
  slowWhenWide("test-uuid-slow-wide", "k_uuid_v4", "uuid", (s, e) => uuidToBigInt(e) - uuidToBigInt(s) > 2n ** 125n),
  slowWhenWide("test-ts-slow-wide", "k_ts", "timestamp", (s, e) => (micros(e) ?? 0n) - (micros(s) ?? 0n) > 6n * 3_600_000_000n),
] as const;
