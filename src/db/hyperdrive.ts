/**
 * `pg` (node-postgres) over a Hyperdrive binding, for any Postgres that is not
 * Neon (RDS, Cloud SQL, Supabase, self-hosted). The only place that knows
 * about `pg` and Hyperdrive. `pg` reaches the binding's host over the Workers
 * TCP socket API (`nodejs_compat`); locally, `wrangler dev` and the tests point
 * the binding at a plain Postgres, so there is no proxy in the path.
 *
 * Hyperdrive's rules, as this connector declares them to the rest of rangemap
 * (see docs/deploy.md):
 * - it pools in transaction mode: between two transactions the connection
 *   may move to another backend, so session state set outside a transaction
 *   (a plain `SET`) is lost or leaks to someone else. Per-range settings
 *   belong in `SET LOCAL` inside the range's transaction;
 * - it ends a query after 60 s, so a run's range timeout is capped there
 *   (src/runs/options.ts reads `maxStatementMs`);
 * - its cache is per configuration, and must be disabled on rangemap's: a
 *   cached range aggregate would be silently stale. Nothing here can see it.
 * Failures are classified in client-connection.ts, shared with Neon.
 */
import type { Duplex } from "node:stream";
import { Client } from "pg";
import { CodedError } from "../lib/errors";
import { openConnection } from "./client-connection";
import { applicationName, CONNECT_TIMEOUT_MS, type Connector } from "./connector";

export interface HyperdriveEnv {
  /** The `[[hyperdrive]]` binding; absent in a deployment that uses Neon. */
  HYPERDRIVE?: { readonly connectionString: string };
}

const NAME = "hyperdrive";

/** Hyperdrive's limit on one query. */
export const HYPERDRIVE_MAX_STATEMENT_MS = 60_000;

/**
 * pg-cloudflare 1.4 reports a socket that closed abnormally with an "error"
 * event that carries `undefined`, and pg's handler reads `.code` of it: a
 * TypeError in a promise nobody awaits (seen when a backend is terminated or
 * Postgres restarts). An Error in its place reaches pg's handler, which
 * reports a lost connection as it should.
 */
function guardUndefinedErrors(stream: Duplex): void {
  const emit = stream.emit.bind(stream);
  stream.emit = ((event: string | symbol, ...args: unknown[]) =>
    emit(event, ...(event === "error" && args[0] === undefined ? [new Error("the database socket closed abnormally")] : args))) as Duplex["emit"];
}

export function hyperdriveConnector(env: HyperdriveEnv): Connector {
  return {
    name: NAME,
    pooling: "transaction",
    maxStatementMs: HYPERDRIVE_MAX_STATEMENT_MS,
    async connect(options = {}) {
      const binding = env.HYPERDRIVE;
      if (!binding) {
        throw new CodedError(
          "connection_failed",
          'DB_CONNECTOR is "hyperdrive" but the Worker has no HYPERDRIVE binding: deploy with `--env hyperdrive` (wrangler.toml [env.hyperdrive])',
        );
      }
      const client = new Client({ connectionString: binding.connectionString, application_name: applicationName(NAME, options.label), connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
      guardUndefinedErrors(client.connection.stream);
      return openConnection(client, "transaction", client.connection);
    },
  };
}
