/**
 * The Hono app: health, the authenticated `/api`, and the error envelope.
 */
import { Hono } from "hono";
import { requireToken } from "./auth";
import { limitBody } from "./body";
import { onError, errorBody } from "./errors";
import { jobsRoutes } from "./jobs";
import { runsRoutes } from "./runs";
import { webhooksRoutes } from "./webhooks";
import { dashboard } from "../ui/dashboard";

export const app = new Hono<{ Bindings: Env }>();

app.onError(onError);
app.notFound((c) => c.json(errorBody("not_found", `no route for ${c.req.method} ${c.req.path}`), 404));

app.get("/healthz", (c) => c.json({ ok: true }));
app.route("/", dashboard); // the dashboard page (src/ui); it calls /api with the token it asks for

app.use("/api/*", requireToken);
app.use("/api/*", limitBody);
app.route("/api/jobs", jobsRoutes);
app.route("/api/runs", runsRoutes);
// Signed, not bearer-authenticated: see webhooks.ts.
app.route("/webhooks", webhooksRoutes);
