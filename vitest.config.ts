/**
 * Tests run inside the Workers runtime (workerd) with the real Durable
 * Object, queue and alarms, against a real Postgres that the global setup
 * starts. No mocks of the database.
 *
 * The Worker under test runs the test job list: `@jobs` (the job list that
 * src/jobs/registry.ts reads, src/jobs/index.ts in production) is aliased to
 * test/jobs/index.ts, which adds the dev and test-only jobs to the shipped ones.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// wrangler.toml's `[assets]` folder holds the dashboard bundle, and the pool
// refuses to start when it is missing (a fresh clone): build it first, as
// `wrangler dev` and `wrangler deploy` do through `[build]`.
execFileSync("npm", ["run", "--silent", "build:ui"], { stdio: "inherit" });

export const TEST_API_TOKEN = "test-token";

export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      main: "./src/index.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          DATABASE_URL: inject("databaseUrl"),
          NEON_WS_PROXY: inject("wsProxy"),
          // The test Postgres (dev/stack/postgres.ts) asks for a cleartext password.
          NEON_PIPELINE_CONNECT: "password",
          API_TOKEN: TEST_API_TOKEN,
          WEBHOOK_SECRET: "whsec_dGVzdC13ZWJob29rLXNlY3JldA==",
        },
      },
    })),
  ],
  resolve: {
    alias: { "@jobs": fileURLToPath(new URL("./test/jobs/index.ts", import.meta.url)) },
  },
  test: {
    globalSetup: ["./test/setup/global.ts"],
    // Some tests stop and restart Postgres; running files one at a time keeps
    // those faults from reaching other tests.
    fileParallelism: false,
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
