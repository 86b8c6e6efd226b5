/**
 * Key-space fixtures for the planning tests (Node side, run once by the global
 * setup): dense, gappy, skewed (negative ids, a sparse tail up to 9e18, the
 * largest bigint), tiny, empty, single-row, unanalysed, and two tables whose
 * keys the planner must refuse. Amounts are deterministic and include nulls.
 */
import pg from "pg";

const AMOUNT = "CASE WHEN g % 13 = 0 THEN NULL ELSE round((((abs(g::numeric) % 100003) * 7919) % 100003) / 100.0 + 0.01, 2) END";

/** Each fixture: a table name and the SQL that fills it from `g`. */
export const FIXTURES: Record<string, string[]> = {
  t_dense: [`SELECT g FROM generate_series(1, 20000) g`],
  t_gaps: [
    `SELECT g FROM generate_series(1, 5000) g`,
    `SELECT g FROM generate_series(1000000, 1005000) g`,
    `SELECT g FROM generate_series(5000000000, 5000005000) g`,
  ],
  t_skewed: [
    `SELECT g FROM generate_series(-5000, -1) g`,
    `SELECT g FROM generate_series(1, 30000) g`,
    // 2,000 keys spread ever wider up to ~9e18
    `SELECT (1000000 + (9e18::numeric * (i / 2000.0) ^ 3))::bigint FROM generate_series(1, 2000) i`,
    `SELECT 9223372036854775807::bigint`,
  ],
  t_small: [`SELECT g FROM generate_series(100, 136) g`],
  t_empty: [],
  t_single: [`SELECT 42::bigint`],
  t_nostats: [`SELECT g * 3 FROM generate_series(1, 6000) g`],
  t_grow: [`SELECT g FROM generate_series(1, 10000) g`],
};

export async function createFixtures(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const [table, parts] of Object.entries(FIXTURES)) {
      const noStats = table === "t_nostats";
      await client.query(`DROP TABLE IF EXISTS ${table}`);
      await client.query(
        `CREATE TABLE ${table} (id bigint PRIMARY KEY, amount numeric(12,2))${noStats ? " WITH (autovacuum_enabled = false)" : ""}`,
      );
      for (const part of parts) {
        await client.query(`INSERT INTO ${table} (id, amount) SELECT g, ${AMOUNT} FROM (SELECT g::bigint FROM (${part}) AS p(g)) AS s(g) ON CONFLICT DO NOTHING`);
      }
      if (!noStats) await client.query(`ANALYZE ${table}`);
    }
    await client.query("DROP TABLE IF EXISTS t_text_key, t_numeric_key, t_unindexed, t_int4");
    await client.query("CREATE TABLE t_int4 (id integer PRIMARY KEY, amount numeric(12,2))");
    await client.query("INSERT INTO t_int4 SELECT g, 1.25 FROM generate_series(-100, 100) g");
    await client.query("CREATE TABLE t_text_key (id text PRIMARY KEY, amount numeric(12,2))");
    await client.query("CREATE TABLE t_numeric_key (id numeric PRIMARY KEY, amount numeric(12,2))");
    await client.query("CREATE TABLE t_unindexed (id bigint NOT NULL, amount numeric(12,2))");
    await client.query("INSERT INTO t_unindexed SELECT g, 1 FROM generate_series(1, 100) g");
  } finally {
    await client.end();
  }
}
