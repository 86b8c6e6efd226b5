/** The dashboard's stylesheet, inlined in the page under its CSP nonce. */
export const STYLES = `
:root { --bg: #f6f7f9; --card: #fff; --ink: #1d2330; --muted: #6b7385; --line: #e2e5ea;
  --pending: #d5d9e0; --running: #3b82f6; --done: #22a06b; --failed: #e5484d; --accent: #1d4ed8; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--ink); }
header { display: flex; gap: 16px; align-items: center; padding: 10px 24px; background: #111827; color: #fff; }
header .brand { color: #fff; font-weight: 700; text-decoration: none; letter-spacing: .02em; }
header .muted { color: #9aa3b5; flex: 1; }
main { max-width: 1180px; margin: 0 auto; padding: 20px 24px 40px; }
h1 { font-size: 22px; margin: 0; } h2 { font-size: 15px; margin: 0 0 10px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 16px; margin: 14px 0; }
.row { display: flex; gap: 8px; align-items: center; } .spread { justify-content: space-between; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; align-items: end; }
.filters { margin-bottom: 8px; }
label { display: flex; flex-direction: column; gap: 3px; font-size: 12px; color: var(--muted); }
label.check { flex-direction: row; align-items: center; gap: 6px; color: var(--ink); font-size: 13px; }
input, select { font: inherit; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; background: #fff; color: var(--ink); }
button { font: inherit; padding: 6px 14px; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button:disabled { opacity: .4; cursor: default; }
button.danger { background: #fff; color: var(--failed); border-color: var(--failed); }
button.link { background: none; border: none; color: #9aa3b5; padding: 0; text-decoration: underline; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th { text-align: left; color: var(--muted); font-weight: 500; border-bottom: 1px solid var(--line); padding: 6px 8px; }
td { border-bottom: 1px solid var(--line); padding: 6px 8px; vertical-align: top; }
td a { color: var(--accent); }
.mono, pre, td.mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
.small { font-size: 12px; } .muted { color: var(--muted); } .error { color: var(--failed); min-height: 1em; }
pre { margin: 0; white-space: pre-wrap; word-break: break-all; font-size: 13px; }
.badge { display: inline-block; font-size: 12px; padding: 2px 8px; border-radius: 999px; vertical-align: middle; background: var(--pending); color: var(--ink); }
.badge.running, .badge.planning { background: #dbe7fe; color: #1e40af; }
.badge.succeeded { background: #d3f3e4; color: #0f6b45; }
.badge.failed { background: #fde0e0; color: #a4161a; }
.badge.cancelled { background: #ece7d9; color: #6b5a2b; }
.progress { position: relative; height: 26px; border-radius: 6px; background: var(--pending); overflow: hidden; }
.progress .fill { position: absolute; inset: 0 auto 0 0; width: 0; background: var(--done); transition: width .3s; }
#strip-detail { white-space: pre-line; min-height: 3.2em; }
.progress span { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center; font-weight: 600; }
.mini { display: inline-block; width: 90px; height: 8px; border-radius: 4px; background: var(--pending); overflow: hidden; vertical-align: middle; margin-right: 6px; }
.mini b { display: block; height: 100%; background: var(--done); }
.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(120px, 1fr)); gap: 8px; margin: 14px 0 0; }
.stats dt { font-size: 12px; color: var(--muted); } .stats dd { margin: 0; font-size: 17px; font-weight: 600; font-variant-numeric: tabular-nums; }
.strip { display: flex; height: 34px; gap: 1px; background: var(--line); border: 1px solid var(--line); border-radius: 4px; overflow: hidden; }
.strip .cell { flex: 1 1 0; min-width: 1px; background: var(--pending); position: relative; }
.strip .cell b { position: absolute; left: 0; right: 0; bottom: 0; background: var(--done); }
.strip .cell[data-status=running] { background: var(--running); }
.strip .cell[data-status=failed] { background: var(--failed); }
.strip .cell:hover { outline: 2px solid var(--ink); z-index: 1; }
.legend { font-size: 12px; color: var(--muted); }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin: 0 4px 0 10px; vertical-align: -1px; }
.legend i.pending { background: var(--pending); } .legend i.running { background: var(--running); }
.legend i.done { background: var(--done); } .legend i.failed { background: var(--failed); }
.columns { display: grid; grid-template-columns: 1fr 2fr; gap: 14px; } .columns .card { margin: 0; }
@media (max-width: 800px) { .columns { grid-template-columns: 1fr; } }
`;
