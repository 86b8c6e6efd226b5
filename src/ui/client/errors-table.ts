/** The run page's errors table: one line per failed range (or the run's own error). */
import { $, clear, h } from "./dom";
import type { RunErrorView } from "./wire";

export function renderErrors(errors: readonly RunErrorView[]): void {
  const tbody = $("errors").querySelector("tbody");
  if (!tbody) throw new Error("the errors table has no body");
  clear(tbody);
  if (!errors.length) {
    tbody.append(h("tr", {}, [h("td", { colspan: "5", className: "muted", text: "none" })]));
    return;
  }
  for (const e of errors) {
    tbody.append(
      h("tr", { "data-range": e.rangeId === null ? "" : String(e.rangeId) }, [
        h("td", { text: e.rangeId === null ? "run" : String(e.rangeId) }),
        h("td", { className: "mono", text: e.start !== undefined ? `[${e.start}, ${e.end ?? ""}]` : "" }),
        h("td", { text: e.attempts !== undefined ? String(e.attempts) : "" }),
        h("td", { className: "mono", text: e.code ?? "" }),
        h("td", { text: e.message }),
      ]),
    );
  }
}
