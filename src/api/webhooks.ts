/**
 * `POST /webhooks/:job`: start a run from a signed webhook.
 *
 * The delivery is verified before anything else (Standard Webhooks, see
 * webhook-signature.ts); an unset or malformed `WEBHOOK_SECRET` refuses every
 * delivery. The body holds run options, validated as for the API. The run id
 * is derived from `webhook-id` alone, so a redelivery (or a replay inside the
 * timestamp window) answers 200 with the run the first delivery started, and
 * the same id sent to another job's URL is refused rather than starting it.
 */
import { Hono } from "hono";
import { webhookRunId } from "../runs/run-id";
import { getJob } from "../jobs/registry";
import { logError } from "../lib/log";
import { limitBody, parseJson } from "./body";
import { apiError, domainError } from "./errors";
import { toRunSpec } from "./run-options";
import { startRun } from "../runs/start";
import { verifyWebhook, type VerifyFailure } from "./webhook-signature";

const MESSAGES: Record<VerifyFailure, string> = {
  missing_headers: "webhook-id, webhook-timestamp and webhook-signature are required",
  invalid_timestamp: "webhook-timestamp must be Unix seconds",
  stale_timestamp: "webhook-timestamp is more than 5 minutes from now",
  invalid_signature: "no webhook-signature matches",
  secret_not_configured: "webhooks are not configured",
};

const MAX_WEBHOOK_ID = 255;

export const webhooksRoutes = new Hono<{ Bindings: Env }>();

webhooksRoutes.use("*", limitBody);

webhooksRoutes.post("/:job", async (c) => {
  const raw = await c.req.text();
  const id = c.req.header("webhook-id");
  const verified = await verifyWebhook(
    c.env.WEBHOOK_SECRET,
    { id, timestamp: c.req.header("webhook-timestamp"), signature: c.req.header("webhook-signature") },
    raw,
  );
  if (!verified.ok) {
    if (verified.reason === "secret_not_configured") {
      logError("webhook refused: WEBHOOK_SECRET is unset or not whsec_<base64>");
      throw apiError(401, "unauthorized", MESSAGES.secret_not_configured);
    }
    throw apiError(401, verified.reason, MESSAGES[verified.reason]);
  }
  if (!id || id.length > MAX_WEBHOOK_ID) {
    throw apiError(400, "invalid_webhook_id", `webhook-id must be 1 to ${MAX_WEBHOOK_ID} characters`);
  }
  const job = getJob(c.req.param("job"));
  if (!job) throw apiError(404, "job_not_found", `no job named ${c.req.param("job")}`);
  const runId = await webhookRunId(id);
  const { dryRun, ...spec } = toRunSpec(parseJson(raw), job, runId);
  if (dryRun) throw apiError(400, "invalid_body", "a webhook starts a run; use the API for a dry run");
  const started = await startRun(c.env, spec);
  if (!started.ok) throw domainError(started.error);
  const { created, run } = started.value;
  if (run.job !== job.name) {
    throw apiError(409, "webhook_id_reused", `webhook-id ${id} already started a run of another job`);
  }
  c.header("Location", `/api/runs/${run.runId}`);
  return c.json({ ...run, created }, created ? 202 : 200);
});
