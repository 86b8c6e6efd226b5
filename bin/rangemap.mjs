#!/usr/bin/env node
/**
 * The `rangemap` command (package.json "bin", so `npx rangemap` works in a
 * clone after `npm ci`): runs cli/main.ts through tsx, a devDependency, so the
 * CLI needs no build step.
 */
import { register } from "tsx/esm/api";

register();
await import("../cli/main.ts");
