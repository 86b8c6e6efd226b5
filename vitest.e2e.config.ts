/**
 * End-to-end tests in Node (not the Workers pool): the CLI as a child process
 * and the dashboard in real Chromium, against a whole local stack (`wrangler
 * dev`, the proxy, an embedded Postgres) that e2e/setup.ts starts on free
 * ports in a temporary folder. `npm run test:cli` and `npm run test:browser`;
 * `npm test` never runs these, so it needs no browser.
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "node",
    include: ["e2e/**/*.test.ts"],
    globalSetup: ["./e2e/setup.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
