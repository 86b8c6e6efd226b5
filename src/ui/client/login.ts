/**
 * The token prompt: shown when the tab has no token or the API refused it.
 * The token is kept in sessionStorage (this tab only) and checked against
 * `GET /api/jobs` before the page goes on.
 */
import { api, isRefused, messageOf } from "./api";
import { $, byId } from "./dom";
import { leaveRun } from "./run-page";
import { forgetJobs, stopList } from "./runs-list";
import { forgetToken, saveToken } from "./session";
import { show } from "./views";

export function showLogin(message = ""): void {
  leaveRun();
  stopList();
  show("login");
  $("login-error").textContent = message;
  byId("token-input", HTMLInputElement).focus();
}

/** The token form and the "forget token" link; `accepted` runs once a token works. */
export function wireLogin(accepted: () => void): void {
  byId("login-form", HTMLFormElement).addEventListener("submit", (ev) => {
    ev.preventDefault();
    const input = byId("token-input", HTMLInputElement);
    saveToken(input.value.trim());
    input.value = "";
    api("GET", "/api/jobs").then(accepted, (err: unknown) => {
      if (!isRefused(err)) showLogin(messageOf(err));
    });
  });
  $("forget").addEventListener("click", () => {
    forgetToken();
    forgetJobs();
    showLogin();
  });
}
