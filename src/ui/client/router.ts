/**
 * Which view the URL asks for: the token prompt without a token, the run
 * page at `#/runs/:id`, the runs list otherwise.
 */
import { showLogin } from "./login";
import { leaveRun, openRun } from "./run-page";
import { openList, stopList } from "./runs-list";
import { token } from "./session";

const RUN_HASH = /^#\/runs\/([A-Za-z0-9_-]+)$/;

export function route(): void {
  if (!token()) return showLogin();
  const runId = RUN_HASH.exec(location.hash)?.[1];
  if (runId) {
    stopList();
    openRun(runId);
  } else {
    leaveRun();
    void openList();
  }
}
