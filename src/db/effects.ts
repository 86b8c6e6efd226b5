/**
 * Exactly-once effects: the record that a range's writes committed, kept in
 * the user's database in the same transaction as those writes
 * (docs/exactly-once.md has the guarantee, the table and the privileges).
 *
 * Each attempt of a range of an exactly-once job, inside the range's
 * transaction (src/db/session.ts):
 * 1. takes transaction-scoped try-locks: exclusive on its own range, shared on
 *    every split ancestor. Two attempts of one range, or a range and any
 *    ancestor or descendant, can never hold them together; siblings can. A
 *    lock that is not granted fails the attempt at once (`range_busy`): the
 *    attempt never waits, so no backend is held beyond `concurrency`;
 * 2. reads the records of its split tree, in a statement of its own so its
 *    snapshot is taken after the locks are held (in READ COMMITTED every
 *    statement takes a new snapshot, and a lock holder's commit is visible
 *    before its locks are released): a record of the range or an ancestor
 *    means its writes are in, so the job does not run and the recorded result
 *    is reported; a record of a descendant means the range was split and its
 *    children wrote (`range_superseded`);
 * 3. runs the job, then inserts its record; both commit together, or neither.
 */
import type { Json } from "../jobs/define";
import { CodedError } from "../lib/errors";
import type { Connection, DbEnv } from "./connector";
import { withConnection } from "./connector";
import { Identifier, type Queryable } from "./sql";

/** Where the records live: one table for every run of every job, keyed by the run's nonce. */
export const EFFECTS_TABLE = new Identifier("public.rangemap_effects", true);

/** The table, as `CREATE TABLE IF NOT EXISTS` at plan time (or by hand, docs/exactly-once.md). */
export const EFFECTS_DDL = `CREATE TABLE IF NOT EXISTS ${EFFECTS_TABLE.quoted} (
  run_nonce uuid NOT NULL,
  root_id bigint NOT NULL,
  range_id bigint NOT NULL,
  ancestors bigint[] NOT NULL,
  result jsonb NOT NULL,
  rows bigint NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_nonce, root_id, range_id)
)`;

/** The privileges the run's role needs on the table once it exists. */
const PRIVILEGES = ["SELECT", "INSERT", "DELETE"] as const;

/** Why a run of an exactly-once job cannot start: the role may not create or use the table. */
export class EffectsTableUnavailable extends Error {}

function sqlState(err: unknown): unknown {
  return typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
}

/**
 * Creates the table if it is missing and checks the role may use it. Throws
 * `EffectsTableUnavailable` naming the privilege when it may not.
 */
export async function ensureEffectsTable(env: DbEnv): Promise<void> {
  await withConnection(env, async (c) => {
    const [found] = (await c.query("SELECT to_regclass($1::text) IS NOT NULL AS present", [EFFECTS_TABLE.quoted])).rows as Array<{ present: boolean }>;
    if (!found?.present) {
      try {
        await c.query(EFFECTS_DDL);
      } catch (err) {
        const code = sqlState(err);
        // Two plans creating it at once: the loser finds the winner's table.
        if (code === "23505" || code === "42P07") return;
        if (code === "42501") {
          throw new EffectsTableUnavailable(
            `this job writes exactly once, and its records table ${EFFECTS_TABLE.name} does not exist: the database role needs CREATE on schema public to create it, or create it by hand (docs/exactly-once.md)`,
          );
        }
        throw err;
      }
    }
    const checks = PRIVILEGES.map((p) => `has_table_privilege($1::text, '${p}') AS "${p}"`).join(", ");
    const [held] = (await c.query(`SELECT ${checks}`, [EFFECTS_TABLE.quoted])).rows as Array<Record<string, boolean>>;
    const missing = PRIVILEGES.filter((p) => held?.[p] !== true);
    if (missing.length) {
      throw new EffectsTableUnavailable(
        `this job writes exactly once, and the database role lacks ${missing.join(", ")} on ${EFFECTS_TABLE.name} (it needs ${PRIVILEGES.join(", ")})`,
      );
    }
  });
}

/** Deletes a finished run's records (only once no attempt can be in flight: src/coordinator/effects.ts). */
export async function deleteEffects(env: DbEnv, nonce: string): Promise<number> {
  return withConnection(env, async (c: Connection) => {
    const { rows } = await c.query(`WITH d AS (DELETE FROM ${EFFECTS_TABLE.quoted} WHERE run_nonce = $1 RETURNING 1) SELECT count(*)::int AS n FROM d`, [nonce]);
    return (rows[0] as { n: number } | undefined)?.n ?? 0;
  });
}

/** What an attempt is: its range and its place in the split tree. */
export interface EffectsScope {
  nonce: string;
  rangeId: number;
  /** Split parents, nearest first; empty for a planned range. */
  ancestors: readonly number[];
}

/**
 * A 64-bit advisory-lock key for (nonce, range): FNV-1a over the text. A
 * collision only makes two unrelated attempts refuse each other as busy.
 */
export function lockKey(nonce: string, rangeId: number): bigint {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(`${nonce}/${rangeId}`)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return BigInt.asIntN(64, h);
}

export type Claim =
  | { kind: "run" }
  | { kind: "recorded"; by: number; result: Json; rows: number };

/** The attempt cannot take its locks: another attempt of it, or of an ancestor or descendant, is in flight. */
export function busy(scope: EffectsScope): CodedError {
  return new CodedError("range_busy", `another attempt of range ${scope.rangeId} (or of a range it was split from or into) holds its lock; this one did not wait`);
}

/**
 * Steps 1 and 2 on the range's open transaction: whether the job should run,
 * or its result is already recorded. Throws `range_busy` or `range_superseded`.
 */
export async function claim(db: Queryable, scope: EffectsScope): Promise<Claim> {
  const keys = [lockKey(scope.nonce, scope.rangeId), ...scope.ancestors.map((id) => lockKey(scope.nonce, id))];
  const shared = keys.slice(1).map((_, i) => ` AND pg_try_advisory_xact_lock_shared($${i + 2}::bigint)`).join("");
  const locked = await db.query(`SELECT pg_try_advisory_xact_lock($1::bigint)${shared} AS locked`, keys.map(String));
  if ((locked.rows[0] as { locked: boolean } | undefined)?.locked !== true) throw busy(scope);
  const root = scope.ancestors.at(-1) ?? scope.rangeId;
  const { rows } = await db.query(
    `SELECT range_id::text AS range_id, ancestors::text[] AS ancestors, result, rows::text AS rows
     FROM ${EFFECTS_TABLE.quoted} WHERE run_nonce = $1 AND root_id = $2`,
    [scope.nonce, String(root)],
  );
  const mine = new Set([scope.rangeId, ...scope.ancestors]);
  for (const r of rows as Array<{ range_id: string; ancestors: string[]; result: Json; rows: string }>) {
    const id = Number(r.range_id);
    if (mine.has(id)) return { kind: "recorded", by: id, result: r.result, rows: Number(r.rows) };
    if (r.ancestors.map(Number).includes(scope.rangeId)) {
      throw new CodedError("range_superseded", `range ${scope.rangeId} was split, and its descendant ${id} already committed its writes`);
    }
  }
  return { kind: "run" };
}

/** Step 3: the record, in the range's transaction, just before it commits. */
export async function record(db: Queryable, scope: EffectsScope, result: Json, rows: number): Promise<void> {
  const root = scope.ancestors.at(-1) ?? scope.rangeId;
  await db.query(
    `INSERT INTO ${EFFECTS_TABLE.quoted} (run_nonce, root_id, range_id, ancestors, result, rows) VALUES ($1, $2, $3, $4::bigint[], $5::jsonb, $6)`,
    [scope.nonce, String(root), String(scope.rangeId), `{${scope.ancestors.join(",")}}`, JSON.stringify(result), rows],
  );
}
