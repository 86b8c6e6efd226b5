/**
 * Errors of the domain, below HTTP: a code and a message. The Coordinator,
 * the planner and the run starter return or throw these and know no status
 * codes; src/api/errors.ts maps each code to its HTTP status, once.
 */

/** Every code the domain can answer with. Adding one here forces its HTTP status to be chosen in api/errors.ts. */
export type DomainCode =
  | "run_not_found"
  | "run_not_running"
  | "nothing_to_retry"
  | "job_not_found"
  | "job_removed"
  | "invalid_bounds"
  | "too_many_ranges"
  | "table_not_found"
  | "key_not_found"
  /** The key column's type is not the job's declared key type. */
  | "key_type_mismatch"
  /** The key column's type is one rangemap cannot split. */
  | "key_type_unsupported"
  /** The job refuses NULL keys (`nullKeys: "refuse"`) and the table has some. */
  | "null_keys"
  /** The database cannot split this way (e.g. ctid before PostgreSQL 14). */
  | "unsupported_database"
  | "key_not_indexed"
  | "database_unavailable"
  /** An incremental run of the job is still going; the message names it. */
  | "run_in_progress"
  /** The job does not support incremental runs (its key type, or it does not declare them). */
  | "incremental_unsupported"
  /** A run has as many open `/events` streams as it serves (src/coordinator/watch.ts). */
  | "too_many_watchers"
  /** An exactly-once job's records table cannot be created or used by the database role (docs/exactly-once.md). */
  | "effects_table_unavailable"
  /** A failed exactly-once run's records are gone (retention window): retrying it could write twice. */
  | "effects_deleted"
  /** The database refused a planning query with this SQLSTATE (e.g. a missing privilege). */
  | `sqlstate_${string}`;

export interface DomainFailure {
  code: DomainCode;
  message: string;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: DomainFailure };

/** A domain failure as an exception, for code that unwinds through several calls (planning). */
export class DomainError extends Error {
  constructor(
    readonly code: DomainCode,
    message: string,
  ) {
    super(message);
  }
}

export function failure(code: DomainCode, message: string): { ok: false; error: DomainFailure } {
  return { ok: false, error: { code, message } };
}
