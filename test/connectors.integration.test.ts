/**
 * The connector in use, seen from Postgres. This file runs in both test
 * projects (vitest.config.ts): "neon" and "hyperdrive", whose wrangler
 * configurations set `DB_CONNECTOR`. Every backend a run uses must carry that
 * connector's `application_name`, so a run cannot claim one connector and use
 * the other. It also pins what the per-range session protocol relies on under
 * Hyperdrive's transaction pooling: `SET LOCAL` lasts for its transaction only.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { withConnection } from "../src/db/connector";
import { startRun, waitForRun } from "./helpers";

const expected = `rangemap-${env.DB_CONNECTOR}`;

describe(`the ${env.DB_CONNECTOR} connector`, () => {
  it("is the one every backend of a run names in pg_stat_activity", async () => {
    expect(["neon", "hyperdrive"]).toContain(env.DB_CONNECTOR);
    const seen = new Set<string>();
    let sampled = 0;
    const run = await withConnection(env, async (client) => {
      const own = (await client.query("SELECT current_setting('application_name') AS name")).rows[0] as { name: string };
      expect(own.name).toBe(expected);
      const started = await startRun("test-slow", { start: "1", end: "12000", rowsPerRange: 3_000, concurrency: 3, canary: false, params: { sleepMs: 400 } });
      for (let i = 0; i < 200; i++) {
        const rows = (
          await client.query(
            `SELECT application_name AS name FROM pg_stat_activity
             WHERE query LIKE 'SELECT pg_sleep%' AND state = 'active' AND pid <> pg_backend_pid()`,
          )
        ).rows as Array<{ name: string }>;
        for (const r of rows) seen.add(r.name);
        sampled += rows.length;
        if (sampled >= 4) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      return waitForRun(started.runId);
    });
    expect(run.status).toBe("succeeded");
    expect(sampled).toBeGreaterThan(0);
    // Lane connections add the consumer invocation they belong to: `rangemap-<connector>/<label>`.
    expect(seen.size).toBeGreaterThan(0);
    for (const name of seen) expect(name.split("/")[0]).toBe(expected);
  });

  it("caps the run's range timeout at the connector's statement limit", async () => {
    const started = await startRun("orders-total", { start: "1", end: "100", timeoutSeconds: 300, leaseSeconds: 900, canary: false });
    expect(started.options.timeoutSeconds).toBe(env.DB_CONNECTOR === "hyperdrive" ? 60 : 300);
    expect((await waitForRun(started.runId)).status).toBe("succeeded");
  });

  it("keeps SET LOCAL inside its transaction, as the per-range session protocol assumes", async () => {
    await withConnection(env, async (client) => {
      const show = async () => ((await client.query("SHOW statement_timeout")).rows[0] as { statement_timeout: string }).statement_timeout;
      const before = await show();
      await client.query("BEGIN");
      await client.query("SET LOCAL statement_timeout = '1234ms'");
      expect(await show()).toBe("1234ms");
      await client.query("COMMIT");
      expect(await show()).toBe(before);
    });
  });
});
