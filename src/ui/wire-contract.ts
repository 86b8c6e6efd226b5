/**
 * A compile-time check, run by the Worker's `tsc`: the JSON the Worker sends
 * still fits what the dashboard's browser code reads (src/ui/client/wire.ts).
 * The two sides cannot share one type (the browser code is compiled with the
 * DOM lib, the Worker with the Workers runtime types), so a field renamed or
 * retyped on the Worker side fails the typecheck here instead of blanking a
 * part of the page. Nothing imports this file; it emits nothing.
 */
import type { Strip } from "../coordinator/strip";
import type { RunStatus } from "../coordinator/types";
import type { HistoryPage } from "../history/entry";
import type { HistoryPageView, RunView, StripView } from "./client/wire";

/** Compiles only when `Sent` can be read as `Read`. */
type Fits<Sent extends Read, Read> = [Sent, Read];

export type WireContract = [Fits<RunStatus, RunView>, Fits<Strip, StripView>, Fits<HistoryPage, HistoryPageView>];
