/**
 * The run the restart and orphans tests interrupt: small ranges at
 * concurrency 1 keep it going for a few seconds, a short lease makes recovery
 * after the interruption quick, and it is caught a tenth of the way in. With
 * hot lanes such a run takes seconds, so it is polled every 25 ms.
 */
import type { RangemapClient } from "../cli/client.js";
import type { RunStatus } from "../src/coordinator/types.js";
import { sleep } from "../src/lib/sleep.js";

/** Starts a run of `job` and resolves with its status once a tenth of its ranges are done; fails if it ends first. */
export async function runToATenth(client: RangemapClient, job: string, what: string): Promise<{ started: RunStatus; before: RunStatus }> {
  const started = await client.startRun(job, { rowsPerRange: 100, concurrency: 1, leaseSeconds: 5, canary: false });
  let before: RunStatus = started;
  while (before.ranges.done < started.ranges.total * 0.1) {
    await sleep(25);
    before = await client.getRun(started.runId);
    if (before.status !== "running") throw new Error(`the run ended (${before.status}) before ${what}`);
  }
  return { started, before };
}
