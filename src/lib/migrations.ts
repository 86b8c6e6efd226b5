/**
 * Numbered schema migrations for a Durable Object's SQLite storage, shared by
 * the Coordinator and the run index. Each object applies the migrations it
 * has not seen, once, inside its `blockConcurrencyWhile`.
 */

/** Whether this storage was ever migrated (an object that was only looked up was not). */
export function hasSchema(sql: SqlStorage): boolean {
  return sql.exec<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").one().n > 0;
}

/** Applies the numbered `migrations` this storage has not seen yet. Idempotent. */
export function runMigrations(sql: SqlStorage, migrations: readonly string[]): void {
  sql.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  const current = sql.exec<{ version: number | null }>("SELECT max(version) AS version FROM schema_version").one().version ?? 0;
  migrations.slice(current).forEach((statement, i) => {
    sql.exec(statement);
    sql.exec("INSERT INTO schema_version (version) VALUES (?)", current + i + 1);
  });
}
