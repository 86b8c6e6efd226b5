/**
 * A lane's statements are bound to the range that issued them. A job still
 * running after its range timed out, or rangemap's own exactly-once record
 * written after it, must not reach Postgres once the lane was reset: it would
 * run on a fresh connection, outside the range's transaction, and commit on
 * its own (an effects record without the writes it stands for).
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { Lane } from "../src/consumer/lane";
import { query } from "./helpers";

beforeAll(async () => {
  await query("DROP TABLE IF EXISTS lane_range_over");
  await query("CREATE TABLE lane_range_over (note text NOT NULL)");
});

async function notes(): Promise<string[]> {
  return (await query<{ note: string }>("SELECT note FROM lane_range_over ORDER BY note")).map((r) => r.note);
}

describe("a range's statements after the range is over", () => {
  it("are refused once the lane was reset, and nothing they carry is committed", async () => {
    const lane = new Lane(env, "range-over");
    const range = lane.beginRange(5_000, true);
    await lane.query("INSERT INTO lane_range_over (note) VALUES ($1)", ["in the range's transaction"], range);
    // The timeout path: the lane drops its connection (the open transaction rolls back).
    await lane.reset();
    await expect(lane.query("INSERT INTO lane_range_over (note) VALUES ($1)", ["after the reset"], range)).rejects.toThrow(/was over/);
    expect(await notes()).toEqual([]);
    // The next range on the same lane works as usual.
    const next = lane.beginRange(5_000, true);
    await lane.query("INSERT INTO lane_range_over (note) VALUES ($1)", ["the next range"], next);
    await lane.endRange(true);
    expect(await notes()).toEqual(["the next range"]);
    await expect(lane.query("SELECT 1", [], range)).rejects.toThrow(/was over/);
    await lane.reset();
  });

  it("a range that writes runs at READ COMMITTED whatever the session's default isolation", async () => {
    const lane = new Lane(env, "isolation");
    // A role or database may default to repeatable read; the exactly-once lookup needs a snapshot taken after its lock.
    await lane.query("SET default_transaction_isolation = 'repeatable read'");
    const writes = lane.beginRange(5_000, true);
    const [row] = (await lane.query("SHOW transaction_isolation", [], writes)).rows as Array<{ transaction_isolation: string }>;
    expect(row?.transaction_isolation).toBe("read committed");
    await lane.endRange(true);
    await lane.reset();
  });
});
