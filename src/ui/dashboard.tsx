/** @jsxImportSource hono/jsx */
/**
 * The dashboard, served by the Worker at `/`: a runs list and a live run page
 * (progress, rows/s, ETA, the range strip, the result, errors, Cancel and
 * Retry-failed).
 *
 * The page itself holds no data and needs no token. Its script and stylesheet
 * (src/ui/client, TypeScript bundled at build time) are static files that
 * Workers Static Assets serve from this origin at /ui/. The script asks for
 * the API token once, keeps it in sessionStorage (this tab only), and calls
 * the `/api` routes with it. Live updates come from `GET /api/runs/:id/events`
 * (Server-Sent Events pushed by the Coordinator), read with fetch so the token
 * travels in a header, never in a URL. The Content-Security-Policy allows
 * scripts, styles and requests from this origin only, and no inline script or
 * style, so the page can never load anything from elsewhere.
 */
import { Hono } from "hono";

export const dashboard = new Hono<{ Bindings: Env }>();

/** Where the bundle is served (see `[assets]` in wrangler.toml and `build:ui` in package.json). */
export const DASHBOARD_SCRIPT = "/ui/dashboard.js";
export const DASHBOARD_STYLES = "/ui/dashboard.css";

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

function Page() {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>rangemap</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href={DASHBOARD_STYLES} />
        <script type="module" src={DASHBOARD_SCRIPT} />
      </head>
      <body>
        <header>
          <a href="#/" class="brand">rangemap</a>
          <span id="whoami" class="muted" />
          <button id="forget" type="button" class="link" hidden>forget token</button>
        </header>
        <main>
          <section id="view-login" hidden>
            <h1>API token</h1>
            <p class="muted">The token is kept for this tab only (sessionStorage) and sent as a bearer token to /api.</p>
            <form id="login-form" class="row">
              <input id="token-input" type="password" autocomplete="off" placeholder="API_TOKEN" required />
              <button id="token-save" type="submit">Use token</button>
            </form>
            <p id="login-error" class="error" />
          </section>

          <section id="view-list" hidden>
            <div class="card">
              <h2>Start a run</h2>
              <form id="start-form" class="grid">
                <label>job<select id="job-select" required /></label>
                <label>start<input id="opt-start" placeholder="min(key)" /></label>
                <label>end<input id="opt-end" placeholder="max(key)" /></label>
                <label>rows per range<input id="opt-rpr" inputmode="numeric" placeholder="job default" /></label>
                <label>concurrency<input id="opt-conc" inputmode="numeric" placeholder="job default" /></label>
                <label class="check"><input id="opt-canary" type="checkbox" checked />canary first</label>
                <button id="start-run" type="submit">Start run</button>
              </form>
              <p id="start-error" class="error" />
            </div>
            <div class="card">
              <div class="row spread">
                <h2>Runs</h2>
                <form id="open-form" class="row">
                  <input id="open-id" placeholder="run id" />
                  <button type="submit">Open</button>
                </form>
              </div>
              <div class="row filters">
                <label>job<select id="filter-job"><option value="">all</option></select></label>
                <label>
                  status
                  <select id="filter-status">
                    <option value="">all</option>
                    <option>running</option>
                    <option>paused</option>
                    <option>succeeded</option>
                    <option>failed</option>
                    <option>cancelled</option>
                  </select>
                </label>
              </div>
              <p id="runs-note" class="muted" />
              <table id="runs-table">
                <thead>
                  <tr><th>job</th><th>run</th><th>status</th><th>progress</th><th>duration</th><th>started</th></tr>
                </thead>
                <tbody />
              </table>
              <button id="runs-more" type="button" hidden>more</button>
            </div>
          </section>

          <section id="view-run" hidden>
            <div class="row spread">
              <h1>
                <span id="run-job" /> <span id="run-status" class="badge" />
              </h1>
              <div class="row">
                <button id="pause" type="button" disabled>Pause</button>
                <button id="resume" type="button" hidden>Resume</button>
                <button id="cancel" type="button" class="danger" disabled>Cancel</button>
                <button id="retry" type="button" disabled>Retry failed</button>
              </div>
            </div>
            <p class="muted mono" id="run-id" />
            <p id="run-pacing" class="pacing" hidden />
            <div class="card">
              <div id="progress" class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100">
                <div id="progress-fill" class="fill" />
                <span id="progress-text" />
              </div>
              <dl class="stats">
                <div><dt>ranges</dt><dd id="stat-ranges" /></div>
                <div><dt>lanes</dt><dd id="stat-lanes" /></div>
                <div><dt>failed</dt><dd id="stat-failed" /></div>
                <div><dt>rows</dt><dd id="stat-rows" /></div>
                <div><dt>rows/s</dt><dd id="rate" /></div>
                <div><dt>ETA</dt><dd id="eta" /></div>
                <div><dt>elapsed</dt><dd id="elapsed" /></div>
                <div><dt>concurrency</dt><dd id="stat-conc" /></div>
              </dl>
              <p id="run-message" class="error" />
            </div>
            <div class="card">
              <div class="row spread">
                <h2>Ranges</h2>
                <span class="legend">
                  <i class="pending" />pending <i class="running" />running <i class="done" />done <i class="failed" />failed
                </span>
              </div>
              <div id="strip" class="strip" />
              <p id="strip-detail" class="mono small">Hover over the strip for a range's keys, rows, duration, attempts and error.</p>
            </div>
            <div class="columns">
              <div class="card">
                <h2>Result</h2>
                <p id="run-chain" class="small" />
                <pre id="result" />
              </div>
              <div class="card">
                <h2>Errors</h2>
                <table id="errors">
                  <thead>
                    <tr><th>range</th><th>keys</th><th>attempts</th><th>code</th><th>message</th></tr>
                  </thead>
                  <tbody />
                </table>
              </div>
            </div>
          </section>
        </main>
      </body>
    </html>
  );
}

dashboard.get("/", (c) => {
  c.header("content-security-policy", CONTENT_SECURITY_POLICY);
  c.header("x-content-type-options", "nosniff");
  c.header("referrer-policy", "no-referrer");
  c.header("cache-control", "no-store");
  return c.html(`<!doctype html>${(<Page />).toString()}`);
});
