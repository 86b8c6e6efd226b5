/**
 * The run page of the dashboard's browser script (see client.ts, which
 * splices it into its one function scope): following a run live, rates and
 * ETA, the result and errors, and the range strip.
 */
export const RUN_PAGE_SCRIPT = String.raw`
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

`;
