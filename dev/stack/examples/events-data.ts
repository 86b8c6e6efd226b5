/**
 * The SQL of the `events-total` example's demo data (events-total.ts): no imports, so the
 * workerd tests seed the very same table with it.
 */
const amount = "CASE WHEN random() < 0.04 THEN NULL ELSE round((random() * 500)::numeric, 2) END";
const kind = "(ARRAY['view', 'click', 'buy'])[1 + floor(random() * 3)::int]";

/** The statements that (re)create `events`, in order (seeded, so the data is the same each time). */
export const SEED_SQL = [
  "DROP TABLE IF EXISTS events",
  "CREATE TABLE events (at timestamptz, kind text NOT NULL, amount numeric(12,2))",
  "SELECT setseed(0.13)",
  `INSERT INTO events (at, kind, amount)
   SELECT '2026-11-20 14:00:00+00'::timestamptz + floor(random() * 3600e6) * interval '1 microsecond', ${kind}, ${amount}
   FROM generate_series(1, 100000)`,
  `INSERT INTO events (at, kind, amount)
   SELECT '2026-11-20 14:30:00.123456+00'::timestamptz, 'import', ${amount} FROM generate_series(1, 25000)`,
  `INSERT INTO events (at, kind, amount)
   SELECT '2026-10-21 00:00:00+00'::timestamptz + floor(random() * 30 * 86400e6) * interval '1 microsecond', ${kind}, ${amount}
   FROM generate_series(1, 30000)`,
  `INSERT INTO events (at, kind, amount) SELECT NULL, ${kind}, ${amount} FROM generate_series(1, 5000)`,
  "CREATE INDEX events_at ON events (at)",
  "ANALYZE events",
];

/** `{ rows, totalAmount }` by one statement: what the run must fold to. */
export const TRUTH_SQL = "SELECT count(*)::text AS rows, coalesce(sum(amount), 0.00)::numeric(20,2)::text AS total FROM events";
