/**
 * What `npm run demo -- --job <name>` knows about each job it can show: how
 * to seed its tables, its ground truth as one SQL statement, and what the run
 * produced, as the same named figures. A job is added with one entry here.
 */
import * as auditCount from "./examples/audit-count.js";
import * as customersTotal from "./examples/customers-total.js";
import * as eventsTotal from "./examples/events-total.js";
import * as sessionsTotal from "./examples/sessions-total.js";
import { ordersTruth, seedOrders, type SeedResult } from "./seed.js";
import { withPg } from "./postgres.js";

/** The run's figure beside the SQL one, per name; the demo passes when every pair is equal. */
export type Figures = Record<string, string>;

export interface DemoJob {
  /** Creates (or reuses) what the job reads, and empties what it writes. */
  seed(url: string, rows: number): Promise<SeedResult>;
  /** Ground truth: one SQL statement over the seeded tables. */
  truth(url: string): Promise<Figures>;
  /** The same figures from the run: its result, or what it wrote. */
  measured(url: string, result: unknown): Promise<Figures>;
}

function field(result: unknown, name: string): string {
  const value = typeof result === "object" && result !== null ? (result as Record<string, unknown>)[name] : undefined;
  return String(value);
}

const ordersTotal: DemoJob = {
  seed: (url, rows) => seedOrders(url, rows),
  truth: async (url) => {
    const t = await ordersTruth(url);
    return { rows: String(t.rows), totalAmount: t.totalAmount };
  },
  measured: async (_url, result) => ({ rows: field(result, "rows"), totalAmount: field(result, "totalAmount") }),
};

/** orders_archive has no unique constraint: one row per order, and no more, is rangemap's doing. */
const ordersArchive: DemoJob = {
  seed: async (url, rows) => {
    const seeded = await seedOrders(url, rows);
    await withPg(url, async (client) => {
      await client.query("CREATE TABLE IF NOT EXISTS orders_archive (id bigint NOT NULL, amount numeric(12,2), archived_at timestamptz NOT NULL)");
      await client.query("TRUNCATE orders_archive");
    });
    return seeded;
  },
  truth: (url) =>
    withPg(url, async (client) => {
      const r = await client.query<Figures>(
        "SELECT count(*)::text AS \"result rows\", count(*)::text AS \"archived rows\", count(*)::text AS \"distinct ids\", coalesce(sum(amount), 0)::text AS total FROM orders",
      );
      return r.rows[0] ?? {};
    }),
  measured: (url, result) =>
    withPg(url, async (client) => {
      const r = await client.query<Figures>(
        "SELECT count(*)::text AS \"archived rows\", count(DISTINCT id)::text AS \"distinct ids\", coalesce(sum(amount), 0)::text AS total FROM orders_archive",
      );
      return { "result rows": field(result, "rows"), ...r.rows[0] };
    }),
};

/** An example of src/jobs/examples/ with its data (dev/stack/examples/): a fixed data set, a result compared field by field. */
interface Example {
  seed(url: string): Promise<void>;
  truth(url: string): Promise<unknown>;
}

function example(e: Example, table: string): DemoJob {
  const figures = (result: unknown): Figures => {
    const fields = typeof result === "object" && result !== null ? Object.keys(result) : [];
    return Object.fromEntries(fields.map((name) => [name, field(result, name)]));
  };
  return {
    seed: async (url) => {
      await e.seed(url);
      const rows = await withPg(url, async (client) => (await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`)).rows[0]?.n);
      return { rows: Number(rows ?? 0), created: true };
    },
    truth: async (url) => figures(await e.truth(url)),
    measured: async (_url, result) => figures(result),
  };
}

export const DEMO_JOBS: Record<string, DemoJob> = {
  "orders-total": ordersTotal,
  "orders-archive": ordersArchive,
  "sessions-total": example(sessionsTotal, "sessions"),
  "events-total": example(eventsTotal, "events"),
  "customers-total": example(customersTotal, "customers"),
  "audit-count": example(auditCount, "audit_log"),
};
