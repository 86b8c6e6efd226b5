/**
 * A job's version, recorded with every chain run's result: a result folds
 * onto a base only if both were computed by the same code, with the same
 * parameters, over the same table. Changed code or parameters, or a table
 * dropped and created again, altered or rewritten, force a full run.
 *
 * Code is the source text of the job's functions as bundled (V8 keeps it), so
 * any change to `process` or `combine` changes the version (the combiners of
 * combiners.ts describe themselves: `fields()`'s merge is one closure whatever
 * its fields); `incremental.version`
 * lets a job force one for a change outside them (a view it reads, say).
 */
import type { AnyJob, Json } from "../jobs/define";
import { canonical } from "./chain";

/**
 * The table's identity: its database, oid and catalog row version (a table
 * dropped and created again, or altered, is another), and its file node
 * (`TRUNCATE`, `VACUUM FULL` and `CLUSTER` give a new one).
 */
export interface TableIdentity {
  /** `database/oid/xmin of its pg_class row`. */
  oid: string;
  filenode: string;
}

export async function jobVersion(job: AnyJob, params: Json, table: TableIdentity): Promise<string> {
  const text = canonical({
    name: job.name,
    table: job.table,
    key: job.key,
    keyType: job.keyType,
    process: job.process.toString(),
    merge: job.combine.merge.toString(),
    combine: job.combine.describe ?? null,
    initial: job.combine.initial(),
    rowsOf: job.rowsOf.toString(),
    margin: job.incremental?.margin ?? null,
    version: job.incremental?.version ?? null,
    params,
    oid: table.oid,
    filenode: table.filenode,
  });
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].slice(0, 12).map((b) => b.toString(16).padStart(2, "0")).join("");
}
