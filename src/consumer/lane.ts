/**
 * A lane's connection: one connection for the ranges a lane runs in turn,
 * opened on the first query (a job may never need one). After a failure it
 * is reset, so no transaction or session state of a failed range reaches the
 * next one.
 */
import { connectorFor, type Connection, type DbEnv } from "../db/connector";
import type { Queryable } from "../db/sql";

export class Lane implements Queryable {
  private connection: Promise<Connection> | null = null;
  /** `label` tags the connection in `pg_stat_activity` (the consumer invocation it belongs to). */
  constructor(
    private readonly env: DbEnv,
    private readonly label?: string,
  ) {}

  async query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> {
    // One connect even if a job issues queries in parallel.
    this.connection ??= connectorFor(this.env)
      .connect({ label: this.label })
      .catch((err: unknown) => {
        this.connection = null;
        throw err;
      });
    return (await this.connection).query(text, values);
  }

  /** Drops the connection so the next range opens a fresh one. */
  async reset(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    await connection?.then((c) => c.close()).catch(() => {});
  }
}
