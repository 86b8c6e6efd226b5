/**
 * The dashboard's progress figures come from the one shared definition
 * (src/lib/progress.ts, also used by the CLI and the demo); this module only
 * names them the way the page's modules import them.
 */
export { isFinished as isFinal } from "../../lib/run-state";
export { percent, RateMeter, runElapsedMs as elapsedMs, type Rates } from "../../lib/progress";
