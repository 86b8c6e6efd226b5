/**
 * The SQL of the `sessions-total` example's demo data (sessions-total.ts): no imports, so the
 * workerd tests seed the very same table with it.
 */
export const SESSIONS_ROWS = 150_000;

/** The statements that (re)create `sessions`, in order. */
export const SEED_SQL = [
  "DROP TABLE IF EXISTS sessions",
  "CREATE TABLE sessions (id uuid PRIMARY KEY, user_id bigint NOT NULL, seconds integer)",
  `INSERT INTO sessions (id, user_id, seconds)
   SELECT gen_random_uuid(), 1 + (random() * 4999)::bigint,
          CASE WHEN random() < 0.05 THEN NULL ELSE (random() * 7200)::integer END
   FROM generate_series(1, ${SESSIONS_ROWS})`,
  "ANALYZE sessions",
];

/** `{ rows, totalSeconds }` by one statement: what the run must fold to. */
export const TRUTH_SQL = "SELECT count(*)::text AS rows, coalesce(sum(seconds), 0)::text AS total FROM sessions";
