/**
 * Tests run inside the Workers runtime (workerd) with the real Durable
 * Object, queue and alarms, against a real Postgres that the global setup
 * starts. No mocks of the database.
 *
 * Two projects, one per database connector (src/db/connector.ts), each
 * against a Postgres of its own that its global setup starts, so one
 * project's faults (a Postgres restart, terminated backends) never reach the
 * other's tests. `npm test` (dev/test.ts) runs them side by side:
 * - "neon": every test, with the Neon driver through the WebSocket proxy;
 * - "hyperdrive": the integration tests that touch Postgres (HYPERDRIVE_TESTS),
 *   on wrangler.toml's `[env.hyperdrive]`, whose HYPERDRIVE binding points
 *   straight at the test Postgres. Its DATABASE_URL is empty, so a test that
 *   reached for Neon there would fail.
 * Pure unit tests do not touch the database and run once, on "neon".
 *
 * The Worker under test runs the test job list: `@jobs` (the job list that
 * src/jobs/registry.ts reads, src/jobs/index.ts in production) is aliased to
 * test/jobs/index.ts, which adds the dev and test-only jobs to the shipped ones.
 */
import { execFileSync } from "node:child_process";
import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";

// wrangler.toml's `[assets]` folder holds the dashboard bundle, and the pool
// refuses to start when it is missing (a fresh clone): build it first, as
// `wrangler dev` and `wrangler deploy` do through `[build]`.
// `npm test` (dev/test.ts) builds it once for both of its processes.
if (process.env.RANGEMAP_UI_BUILT !== "1") execFileSync("npm", ["run", "--silent", "build:ui"], { stdio: "inherit" });

export const TEST_API_TOKEN = "test-token";

/** The files the "hyperdrive" project runs: runs, faults, planning and key types, the API. */
export const HYPERDRIVE_TESTS = [
  "test/api.integration.test.ts",
  "test/connectors.integration.test.ts",
  "test/faults.integration.test.ts",
  "test/fold.integration.test.ts",
  "test/planning.integration.test.ts",
  "test/timeouts.integration.test.ts",
  "test/clean-session.integration.test.ts",
  "test/keys-text.integration.test.ts",
  "test/keys-ctid.integration.test.ts",
  "test/effects.integration.test.ts",
  "test/keys-schedule-window.integration.test.ts",
  "test/incremental.integration.test.ts",
];

const NODE_BUILTINS = builtinModules.flatMap((name) => [name, `node:${name}`]);

const SECRETS = { API_TOKEN: TEST_API_TOKEN, WEBHOOK_SECRET: "whsec_dGVzdC13ZWJob29rLXNlY3JldA==" };

function project(
  name: string,
  groupOrder: number,
  include: string[],
  pool: ReturnType<typeof cloudflareTest>,
): TestProjectInlineConfiguration {
  return {
    plugins: [pool],
    resolve: {
      alias: {
        "@jobs": fileURLToPath(new URL("./test/jobs/index.ts", import.meta.url)),
      },
    },
    test: {
      name,
      include,
      // Some tests stop and restart Postgres or count its busy backends; within
      // a project (one Postgres) files run one at a time, so those faults and
      // counts never reach other tests.
      fileParallelism: false,
      // `pg` is CommonJS that requires `pg-protocol`, whose "import" entry is
      // ESM: loaded file by file in workerd it fails to parse. Pre-bundled, it
      // loads; the Node built-ins it requires stay imports (nodejs_compat has them).
      deps: { optimizer: { ssr: { enabled: true, include: ["pg"], rolldownOptions: { external: [...NODE_BUILTINS, /^cloudflare:/] } } } },
      sequence: { groupOrder },
      globalSetup: ["./test/setup/global.ts"],
      testTimeout: 120_000,
      hookTimeout: 120_000,
    },
  };
}

export default defineConfig({
  test: {
    projects: [
      project(
        "neon",
        0,
        ["test/**/*.test.ts"],
        cloudflareTest(({ inject }) => ({
          main: "./src/index.ts",
          wrangler: { configPath: "./wrangler.toml" },
          miniflare: {
            bindings: {
              DATABASE_URL: inject("databaseUrl"),
              NEON_WS_PROXY: inject("wsProxy"),
              // The test Postgres (dev/stack/postgres.ts) asks for a cleartext password.
              NEON_PIPELINE_CONNECT: "password",
              ...SECRETS,
            },
          },
        })),
      ),
      project(
        "hyperdrive",
        0,
        HYPERDRIVE_TESTS,
        cloudflareTest(({ inject }) => ({
          main: "./src/index.ts",
          wrangler: { configPath: "./wrangler.toml", environment: "hyperdrive" },
          miniflare: {
            bindings: { DATABASE_URL: "", ...SECRETS },
            // Through the relay of test/setup/global.ts (dev/stack/tcp-relay.ts).
            hyperdrives: { HYPERDRIVE: inject("hyperdriveUrl") },
          },
        })),
      ),
    ],
  },
});
