// Values the Node-side global setup hands to tests (see test/setup/global.ts).
import "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    wsProxy: string;
    /** The test Postgres through the TCP relay, for the HYPERDRIVE binding. */
    hyperdriveUrl: string;
    controlUrl: string;
  }
}
