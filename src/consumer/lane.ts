/**
 * A lane: one connection that runs ranges in turn, opened on its first query
 * (a job may never need one). After a failure the lane is reset, so no
 * transaction or session state of a failed range reaches the next one.
 */
import { connectorFor, type Connection, type DbEnv } from "../db/connector";
import type { Queryable } from "../db/sql";

export class Lane implements Queryable {
  private connection: Promise<Connection> | null = null;
  constructor(private readonly env: DbEnv) {}

  async query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> {
    // One connect even if a job issues queries in parallel.
    this.connection ??= connectorFor(this.env)
      .connect()
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
