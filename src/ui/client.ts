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

  // ---- run page ------------------------------------------------------------
  function leaveRun() {
    if (!current) return;
    if (current.abort) current.abort.abort();
    clearTimeout(current.stripTimer);
    clearTimeout(current.pollTimer);
    current = null;
  }
  function openRun(id) {
    if (current && current.id === id) return;
    leaveRun();
    rememberRun(id);
    show("run");
    current = { id: id, run: null, abort: null, samples: [], stripAt: 0, stripTimer: null, pollTimer: null };
    $("run-id").textContent = id;
    $("run-job").textContent = "";
    $("run-message").textContent = "";
    $("strip-detail").textContent = STRIP_HINT;
    clear($("strip"));
    follow(current);
  }

  // Reads the Coordinator's Server-Sent Events; falls back to polling once a second.
  async function follow(page) {
    try {
      page.abort = new AbortController();
      var res = await fetch("/api/runs/" + page.id + "/events", {
        headers: { authorization: "Bearer " + token(), accept: "text/event-stream" },
        signal: page.abort.signal,
      });
      if (res.status === 401) { sessionStorage.removeItem(TOKEN_KEY); return showLogin("The API refused the token."); }
      if (res.status === 404) { $("run-message").textContent = "No run " + page.id + "."; return; }
      if (!res.ok || !res.body) throw new Error("HTTP " + res.status);
      var reader = res.body.getReader(), decoder = new TextDecoder(), buf = "";
      for (;;) {
        var chunk = await reader.read();
        if (chunk.done) break;
        buf += decoder.decode(chunk.value, { stream: true });
        var at;
        while ((at = buf.indexOf("\n\n")) >= 0) {
          var block = buf.slice(0, at);
          buf = buf.slice(at + 2);
          var data = block.split("\n").filter(function (l) { return l.indexOf("data:") === 0; })
            .map(function (l) { return l.slice(5).trim(); }).join("\n");
          if (data && page === current) render(JSON.parse(data));
        }
      }
    } catch (e) {
      if (page !== current || (e && e.name === "AbortError")) return;
    }
    // The stream ended: normal after the final status; otherwise keep up by polling.
    if (page === current && !(page.run && FINAL[page.run.status])) poll(page);
  }
  async function poll(page) {
    if (page !== current) return;
    try { render(await api("GET", "/api/runs/" + page.id)); } catch (e) { $("run-message").textContent = e.message; }
    if (page === current && !(page.run && FINAL[page.run.status])) page.pollTimer = setTimeout(function () { poll(page); }, 1000);
  }

  // rows/s and ETA over the last 10 s of samples; over the whole run once it is final.
  function rates(page, run) {
    var now = Date.now();
    var finished = run.ranges.done + run.ranges.failed;
    if (FINAL[run.status]) {
      var d = durationMs(run) / 1000;
      return { rate: d > 0 ? run.rows / d : 0, eta: null };
    }
    page.samples.push({ t: now, rows: run.rows, finished: finished });
    while (page.samples.length > 2 && now - page.samples[0].t > 10000) page.samples.shift();
    var first = page.samples[0], dt = (now - first.t) / 1000;
    var rate, perSec;
    if (dt >= 1) { rate = (run.rows - first.rows) / dt; perSec = (finished - first.finished) / dt; }
    else {
      var el = durationMs(run) / 1000;
      rate = el > 0 ? run.rows / el : 0;
      perSec = el > 0 ? finished / el : 0;
    }
    var left = run.ranges.total - finished;
    return { rate: rate, eta: perSec > 0 ? (left / perSec) * 1000 : null };
  }

  function render(run) {
    var page = current;
    if (!page) return;
    var was = page.run;
    page.run = run;
    var p = pct(run), r = run.ranges;
    $("whoami").textContent = run.job + " \u00b7 " + run.runId;
    $("run-job").textContent = run.job;
    var badge = $("run-status");
    badge.textContent = run.status + (run.phase === "canary" && run.status === "running" ? " (canary)" : "");
    badge.className = "badge " + run.status;
    badge.setAttribute("data-status", run.status);
    var fill = $("progress-fill");
    fill.style.width = p + "%";
    // Done in green, failed in red, in proportion.
    var ok = r.done + r.failed ? Math.round((r.done / (r.done + r.failed)) * 100) : 100;
    fill.style.background = r.failed ? "linear-gradient(90deg, var(--done) " + ok + "%, var(--failed) " + ok + "%)" : "";
    $("progress").setAttribute("aria-valuenow", String(p));
    $("progress-text").textContent = p + "%";
    $("stat-ranges").textContent = nf.format(r.done + r.failed) + " / " + nf.format(r.total);
    $("stat-running").textContent = nf.format(r.running);
    $("stat-failed").textContent = nf.format(r.failed);
    $("stat-rows").textContent = nf.format(run.rows);
    var rt = rates(page, run);
    $("rate").textContent = nf.format(Math.round(rt.rate));
    $("eta").textContent = FINAL[run.status] ? "done" : secs(rt.eta);
    $("elapsed").textContent = secs(durationMs(run));
    $("stat-conc").textContent = run.concurrency ? run.concurrency.effective + " / " + run.concurrency.limit : "";
    $("result").textContent = JSON.stringify(run.result, null, 2);
    $("cancel").disabled = run.status !== "running";
    $("retry").disabled = !(run.status === "failed" && r.failed > 0);
    renderErrors(run.errors || []);
    var changed = !was || was.updatedAt !== run.updatedAt || was.status !== run.status;
    if (changed) scheduleStrip(page, FINAL[run.status]);
  }

  function renderErrors(errors) {
    var tbody = $("errors").querySelector("tbody");
    clear(tbody);
    if (!errors.length) { tbody.appendChild(h("tr", {}, [h("td", { colspan: "5", className: "muted", text: "none" })])); return; }
    errors.forEach(function (e) {
      tbody.appendChild(h("tr", { "data-range": e.rangeId === null ? "" : String(e.rangeId) }, [
        h("td", { text: e.rangeId === null ? "run" : String(e.rangeId) }),
        h("td", { className: "mono", text: e.start !== undefined ? "[" + e.start + ", " + e.end + "]" : "" }),
        h("td", { text: e.attempts !== undefined ? String(e.attempts) : "" }),
        h("td", { className: "mono", text: e.code || "" }),
        h("td", { text: e.message }),
      ]));
    });
  }

  // The strip is refreshed at most once a second while the run moves, and once more at the end.
  function scheduleStrip(page, now) {
    clearTimeout(page.stripTimer);
    var wait = now ? 0 : Math.max(0, page.stripAt + 1000 - Date.now());
    page.stripTimer = setTimeout(function () { loadStrip(page); }, wait);
  }
  async function loadStrip(page) {
    page.stripAt = Date.now();
    try {
      var strip = await api("GET", "/api/runs/" + page.id + "/strip?bins=" + BINS);
      if (page === current) renderStrip(strip);
    } catch (e) { /* the next status event retries */ }
  }
  function binStatus(b) {
    if (b.failed) return "failed";
    if (b.running) return "running";
    if (b.done === b.ranges) return "done";
    return b.done ? "partial" : "pending";
  }
  function describe(b) {
    var lines = [];
    lines.push((b.rangeId !== null ? "range " + b.rangeId : nf.format(b.ranges) + " ranges") + " \u00b7 keys [" + b.start + ", " + b.end + "]");
    var parts = [];
    ["done", "running", "pending", "failed"].forEach(function (s) { if (b[s]) parts.push(nf.format(b[s]) + " " + s); });
    lines.push(parts.join(", ") + " \u00b7 " + nf.format(b.rows) + " rows" +
      (b.maxDurationMs !== null ? " \u00b7 " + (b.rangeId !== null ? "" : "slowest ") + nf.format(b.maxDurationMs) + " ms" : "") +
      " \u00b7 attempts " + b.maxAttempts);
    if (b.error) lines.push("error (range " + b.error.rangeId + ", attempt " + b.error.attempt + "): " + (b.error.code ? b.error.code + " " : "") + b.error.message);
    return lines.join("\n");
  }
  function renderStrip(strip) {
    var el = $("strip");
    clear(el);
    strip.bins.forEach(function (b) {
      var status = binStatus(b);
      var cell = h("div", { className: "cell", "data-status": status, title: describe(b) });
      if (status === "partial" || status === "done") {
        var fill = h("b");
        fill.style.height = Math.round((b.done / b.ranges) * 100) + "%";
        cell.appendChild(fill);
      }
      cell.addEventListener("mouseenter", function () { $("strip-detail").textContent = describe(b); });
      el.appendChild(cell);
    });
  }

  // ---- actions -------------------------------------------------------------
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
