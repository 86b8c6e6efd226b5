/**
 * The connector seam as policy (src/db/connector.ts): which connector a
 * deployment gets, what each declares about its pooling and statement limit,
 * and that run options respect the limit. Locally Hyperdrive is a direct TCP
 * connection with no pooler and no 60 s limit, so these rules cannot be seen
 * end to end in the suite; they are checked here as the code states them.
 */
import { describe, expect, it } from "vitest";
import { connectorFor, type DbEnv } from "../src/db/connector";
import { HYPERDRIVE_MAX_STATEMENT_MS } from "../src/db/hyperdrive";
import { ordersTotal } from "../src/jobs/orders-total";
import { resolveOptions } from "../src/runs/options";

const BASE: DbEnv = { DATABASE_URL: "postgres://u:p@db.invalid/db", NEON_WS_PROXY: "", NEON_PIPELINE_CONNECT: "" };
const HYPERDRIVE: DbEnv = { ...BASE, DATABASE_URL: undefined, DB_CONNECTOR: "hyperdrive", HYPERDRIVE: { connectionString: "postgres://u:p@h.hyperdrive.local:5432/db" } };

async function connectError(env: DbEnv): Promise<{ code?: unknown; message: string }> {
  const err: unknown = await connectorFor(env).connect().then(
    () => new Error("connected"),
    (e: unknown) => e,
  );
  return err as { code?: unknown; message: string };
}

describe("connectorFor", () => {
  it("is Neon by default, and when DB_CONNECTOR says so", () => {
    for (const DB_CONNECTOR of [undefined, "", "neon"]) expect(connectorFor({ ...BASE, DB_CONNECTOR }).name).toBe("neon");
  });

  it("is Hyperdrive when DB_CONNECTOR says so", () => {
    expect(connectorFor(HYPERDRIVE).name).toBe("hyperdrive");
  });

  it("names what is missing when the chosen connector lacks its binding or secret, or does not exist", async () => {
    const noBinding = await connectError({ ...HYPERDRIVE, HYPERDRIVE: undefined });
    expect(noBinding.code).toBe("connection_failed");
    expect(noBinding.message).toContain("HYPERDRIVE binding");
    const noSecret = await connectError({ ...BASE, DATABASE_URL: undefined });
    expect(noSecret).toMatchObject({ code: "connection_failed", message: "DATABASE_URL is not set" });
    const unknown = await connectError({ ...BASE, DB_CONNECTOR: "mysql" });
    expect(unknown.code).toBe("connection_failed");
    expect(unknown.message).toContain('"neon" or "hyperdrive"');
  });
});

describe("what each connector declares", () => {
  it("Hyperdrive pools in transaction mode and ends a query after 60 s", () => {
    const hyperdrive = connectorFor(HYPERDRIVE);
    expect(hyperdrive.pooling).toBe("transaction");
    expect(hyperdrive.maxStatementMs).toBe(60_000);
    expect(HYPERDRIVE_MAX_STATEMENT_MS).toBe(60_000);
  });

  it("a Neon connection is one backend for its life, with no statement limit of its own", () => {
    const neon = connectorFor(BASE);
    expect(neon.pooling).toBe("session");
    expect(neon.maxStatementMs).toBeNull();
  });
});

describe("the range timeout and the connector's statement limit", () => {
  const spec = (timeoutSeconds?: number, leaseSeconds = 900) => ({ runId: "r", job: ordersTotal.name, timeoutSeconds, leaseSeconds });

  it("caps a longer timeout at Hyperdrive's 60 s, and leaves Neon's alone", () => {
    expect(resolveOptions(spec(300), ordersTotal, connectorFor(HYPERDRIVE)).timeoutMs).toBe(60_000);
    expect(resolveOptions(spec(300), ordersTotal, connectorFor(BASE)).timeoutMs).toBe(300_000);
  });

  it("leaves a shorter timeout as it is on both", () => {
    for (const env of [HYPERDRIVE, BASE]) expect(resolveOptions(spec(20), ordersTotal, connectorFor(env)).timeoutMs).toBe(20_000);
  });

  it("still caps at half the lease, whichever limit is lower", () => {
    for (const env of [HYPERDRIVE, BASE]) expect(resolveOptions(spec(300, 40), ordersTotal, connectorFor(env)).timeoutMs).toBe(20_000);
  });

  it("applies to the job's own default too, not only to the run body", () => {
    const job = { ...ordersTotal, timeoutSeconds: 90 };
    expect(resolveOptions(spec(undefined), job, connectorFor(HYPERDRIVE)).timeoutMs).toBe(60_000);
    expect(resolveOptions(spec(undefined), job, connectorFor(BASE)).timeoutMs).toBe(90_000);
  });
});
