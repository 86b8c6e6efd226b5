/** The page's three views; exactly one is shown at a time. */
import { $ } from "./dom";

export type View = "login" | "list" | "run";

const VIEWS: readonly View[] = ["login", "list", "run"];

export function show(view: View): void {
  for (const v of VIEWS) $(`view-${v}`).hidden = v !== view;
  $("forget").hidden = view === "login";
}

export function isShown(view: View): boolean {
  return !$(`view-${view}`).hidden;
}
