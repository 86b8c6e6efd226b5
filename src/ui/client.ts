/**
 * The dashboard's browser script, inlined in the page under its CSP nonce.
 *
 * Plain ES2020 with no build step and no dependencies: it builds DOM nodes
 * with textContent only (run data never becomes markup), follows a run's
 * Server-Sent Events with fetch (so the token stays in a header), and falls
 * back to polling once a second if the stream is unavailable. It is kept as a
 * string because the Worker's tsconfig has no DOM types; the browser test
 * (e2e/dashboard.browser.test.ts) exercises it in real Chromium.
 */
import { RUN_PAGE_SCRIPT } from "./client-run";

export const CLIENT_SCRIPT = String.raw`
(function () {
  "use strict";
  var TOKEN_KEY = "rangemap.token";
  var TAB_RUNS_KEY = "rangemap.tabRuns";
  var FINAL = { succeeded: true, failed: true, cancelled: true };
  var BINS = 200;
  var STRIP_HINT = "Hover over the strip for a range's keys, rows, duration, attempts and error.";
  var nf = new Intl.NumberFormat("en-US");
  var $ = function (id) { return document.getElementById(id); };

  // ---- small helpers -------------------------------------------------------
  function h(tag, props, children) {
    var el = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      if (k === "text") el.textContent = props[k];
      else if (k === "className") el.className = props[k];
      else el.setAttribute(k, props[k]);
    });
    (children || []).forEach(function (c) { if (c) el.appendChild(c); });
    return el;
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }
  function secs(ms) {
    if (ms === null || !isFinite(ms)) return "\u2014";
    var s = ms / 1000;
    if (s < 60) return s.toFixed(1) + "s";
    var m = Math.floor(s / 60), r = Math.round(s % 60);
    if (m < 60) return m + "m " + String(r).padStart(2, "0") + "s";
    return Math.floor(m / 60) + "h " + String(m % 60).padStart(2, "0") + "m";
  }
  function pct(run) {
    var r = run.ranges;
    return r.total === 0 ? (FINAL[run.status] ? 100 : 0) : Math.floor(((r.done + r.failed) / r.total) * 100);
  }
  function durationMs(run) {
    var end = run.finishedAt ? Date.parse(run.finishedAt) : Date.now();
    return end - Date.parse(run.createdAt);
  }

  // ---- token and API -------------------------------------------------------
  function token() { return sessionStorage.getItem(TOKEN_KEY); }
  function ApiError(status, code, message) { this.status = status; this.code = code; this.message = message; }
  async function api(method, path, body) {
    var res = await fetch(path, {
      method: method,
      headers: { authorization: "Bearer " + token(), "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    var json = null;
    try { json = await res.json(); } catch (e) { json = null; }
    if (res.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      showLogin("The API refused the token; enter it again.");
    }
    if (!res.ok) {
      var err = json && json.error ? json.error : { code: "http_" + res.status, message: "HTTP " + res.status };
      throw new ApiError(res.status, err.code, err.message);
    }
    return json;
  }
  function tabRuns() {
    try { return JSON.parse(sessionStorage.getItem(TAB_RUNS_KEY) || "[]"); } catch (e) { return []; }
  }
  function rememberRun(id) {
    var ids = tabRuns().filter(function (x) { return x !== id; });
    ids.unshift(id);
    sessionStorage.setItem(TAB_RUNS_KEY, JSON.stringify(ids.slice(0, 20)));
  }

  // ---- views ---------------------------------------------------------------
  var listTimer = null;
  var current = null; // the open run page: { id, run, abort, samples, stripAt, stripTimer, pollTimer }

  function show(view) {
    ["login", "list", "run"].forEach(function (v) { $("view-" + v).hidden = v !== view; });
    $("forget").hidden = view === "login";
  }
  function showLogin(message) {
    leaveRun();
    stopList();
    show("login");
    $("login-error").textContent = message || "";
    $("token-input").focus();
  }
  function route() {
    if (!token()) return showLogin();
    var m = /^#\/runs\/([A-Za-z0-9_-]+)$/.exec(location.hash);
    if (m) { stopList(); openRun(m[1]); }
    else { leaveRun(); openList(); }
  }

  // ---- runs list -----------------------------------------------------------
  var jobsLoaded = false;
  var listCursor = null;
  async function loadJobs() {
    if (jobsLoaded) return;
    var body = await api("GET", "/api/jobs");
    var sel = $("job-select"), filter = $("filter-job");
    clear(sel);
    body.jobs.forEach(function (j) {
      sel.appendChild(h("option", { value: j.name, text: j.name }));
      filter.appendChild(h("option", { value: j.name, text: j.name }));
    });
    jobsLoaded = true;
  }
  function stopList() { if (listTimer) clearTimeout(listTimer); listTimer = null; }
  async function openList() {
    show("list");
    $("whoami").textContent = "";
    try { await loadJobs(); } catch (e) { $("start-error").textContent = e.message; }
    refreshList();
  }
  // entry: a line of GET /api/runs (or a run status); run: the run's full status, when known.
  function runRow(entry, run) {
    var status = run ? run.status : entry.status;
    var progress = h("td", { className: "muted", text: entry.note || "\u2014" });
    if (run) {
      var p = pct(run);
      var bar = h("span", { className: "mini" }, [h("b")]);
      bar.firstChild.style.width = p + "%";
      progress = h("td", {}, [bar, document.createTextNode(p + "% of " + nf.format(run.ranges.total) + " ranges")]);
    }
    return h("tr", { "data-run": entry.runId, "data-status": status }, [
      h("td", { text: entry.job }),
      h("td", { className: "mono" }, [h("a", { href: "#/runs/" + entry.runId, text: entry.runId })]),
      h("td", {}, [h("span", { className: "badge " + status, text: status })]),
      progress,
      h("td", { text: secs(durationMs(run || entry)) }),
      h("td", { text: new Date(entry.createdAt).toLocaleString() + (entry.trigger ? " \u00b7 " + entry.trigger : "") }),
    ]);
  }
  // Full statuses of listed runs: final ones are fetched once, active ones on every refresh.
  var statusCache = {};
  async function withStatuses(entries) {
    await Promise.all(entries.map(async function (e) {
      var cached = statusCache[e.runId];
      if (e.status === "skipped" || (cached && cached.status === e.status && FINAL[e.status])) return;
      try { statusCache[e.runId] = await api("GET", "/api/runs/" + e.runId); } catch (err) { /* shown without progress */ }
    }));
    return entries.map(function (e) { return [e, statusCache[e.runId] || null]; });
  }
  async function refreshList(append) {
    stopList();
    var tbody = $("runs-table").querySelector("tbody");
    var runs, note = "";
    try {
      var q = new URLSearchParams({ limit: "25" });
      if ($("filter-job").value) q.set("job", $("filter-job").value);
      if ($("filter-status").value) q.set("status", $("filter-status").value);
      if (append && listCursor) q.set("cursor", listCursor);
      var page = await api("GET", "/api/runs?" + q.toString());
      listCursor = page.nextCursor || null;
      runs = await withStatuses(page.runs || []);
    } catch (e) {
      if (e.status === 401) return;
      // No run index on this Worker (or it failed): show the runs this tab knows.
      note = "The run list is not available (" + e.message + "); showing the runs opened in this tab.";
      listCursor = null;
      runs = [];
      for (var id of tabRuns()) {
        try { var st = await api("GET", "/api/runs/" + id); runs.push([st, st]); } catch (err) { /* gone */ }
      }
    }
    $("runs-note").textContent = note || (runs.length ? "" : "No runs yet.");
    if (!append) clear(tbody);
    runs.forEach(function (r) { tbody.appendChild(runRow(r[0], r[1])); });
    $("runs-more").hidden = !listCursor;
    if (!$("view-list").hidden) listTimer = setTimeout(function () { refreshList(false); }, 2000);
  }

${RUN_PAGE_SCRIPT}  // ---- actions -------------------------------------------------------------
  function optional(id, asNumber) {
    var v = $(id).value.trim();
    if (v === "") return undefined;
    return asNumber ? Number(v) : v;
  }
  $("login-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token-input").value.trim());
    $("token-input").value = "";
    try { await api("GET", "/api/jobs"); route(); }
    catch (e) { if (e.status !== 401) showLogin(e.message); }
  });
  $("forget").addEventListener("click", function () { sessionStorage.removeItem(TOKEN_KEY); jobsLoaded = false; showLogin(); });
  $("start-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    $("start-error").textContent = "";
    var body = {
      start: optional("opt-start"), end: optional("opt-end"),
      rowsPerRange: optional("opt-rpr", true), concurrency: optional("opt-conc", true),
    };
    if (!$("opt-canary").checked) body.canary = false;
    try {
      var run = await api("POST", "/api/jobs/" + encodeURIComponent($("job-select").value) + "/runs", body);
      location.hash = "#/runs/" + run.runId;
    } catch (e) { $("start-error").textContent = e.message; }
  });
  $("open-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var id = $("open-id").value.trim();
    if (id) location.hash = "#/runs/" + id;
  });
  $("filter-job").addEventListener("change", function () { refreshList(false); });
  $("filter-status").addEventListener("change", function () { refreshList(false); });
  $("runs-more").addEventListener("click", function () { refreshList(true); });
  $("cancel").addEventListener("click", async function () {
    var page = current;
    if (!page) return;
    try { render((await api("POST", "/api/runs/" + page.id + "/cancel"))); }
    catch (e) { $("run-message").textContent = e.message; }
  });
  $("retry").addEventListener("click", async function () {
    var page = current;
    if (!page) return;
    try {
      render(await api("POST", "/api/runs/" + page.id + "/retry"));
      if (page.abort) page.abort.abort();
      clearTimeout(page.pollTimer);
      page.samples = [];
      follow(page);
    } catch (e) { $("run-message").textContent = e.message; }
  });
  // Elapsed and ETA keep ticking between events.
  setInterval(function () {
    if (current && current.run && !FINAL[current.run.status]) $("elapsed").textContent = secs(durationMs(current.run));
  }, 1000);
  window.addEventListener("hashchange", route);
  route();
})();
`;
