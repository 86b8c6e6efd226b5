/**
 * The registry of jobs bundled with this Worker. Add a job by importing its
 * module here.
 */
import type { Job, Json } from "./define";
import noop from "./noop";
import ordersPull from "./orders-pull";
import ordersTotal from "./orders-total";
import stagedPaymentsTotal from "./staged-payments-total";

const registered = new Map<string, Job<Json, unknown>>();

/** Registers a job; a second job with the same name is a bug. */
export function registerJob<R extends Json, P>(job: Job<R, P>): void {
  if (registered.has(job.name)) throw new Error(`job ${job.name} is registered twice`);
  registered.set(job.name, job as unknown as Job<Json, unknown>);
}

export function getJob(name: string): Job<Json, unknown> | undefined {
  return registered.get(name);
}

export function listJobs(): Array<Job<Json, unknown>> {
  return [...registered.values()];
}

registerJob(ordersTotal);
registerJob(ordersPull);
registerJob(noop);
registerJob(stagedPaymentsTotal);
