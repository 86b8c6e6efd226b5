/**
 * rangemap owns the transaction and the session a job's SQL runs in: a dry
 * run's sample is rolled back, and a range's work must not leave state behind
 * for the next range on the same connection. A job that ran its own `COMMIT`,
 * `SET SESSION …` or a procedure (which may commit) could defeat both, so the
 * job's `sql` refuses such statements before they reach Postgres.
 *
 * Refused, as the first words of any statement in the text (a text may hold
 * several, separated by `;`): BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK,
 * ABORT, SAVEPOINT, RELEASE, PREPARE TRANSACTION, SET (unless `SET LOCAL` or
 * `SET CONSTRAINTS`, which end with the transaction), RESET, DISCARD, CALL,
 * CREATE TEMP[ORARY] (a temporary table outlives the range on its connection).
 * Comments, string literals, quoted identifiers and dollar-quoted bodies are
 * skipped, so a word inside them never counts, and a `;` inside them never
 * splits. What a function does from the inside (e.g. `set_config(…, false)`)
 * is not visible here; the rolled-back transaction still undoes it.
 */
import { CodedError } from "../lib/errors";

/** The code a refused statement fails with (final: retrying cannot help). */
export const STATEMENT_REFUSED = "statement_refused";

const REFUSED_FIRST = new Set(["BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE", "RESET", "DISCARD", "CALL"]);
const SET_ALLOWED = new Set(["LOCAL", "CONSTRAINTS"]);
const WORD = /[A-Za-z_\u0080-\uffff]/;
const WORD_REST = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

/** The first words of each statement in `text` (upper-cased; quoted or literal tokens as `"`). */
export function statementHeads(text: string, words = 2): string[][] {
  const heads: string[][] = [[]];
  const push = (token: string) => {
    const head = heads[heads.length - 1];
    if (head && head.length < words) head.push(token);
  };
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    const next = text.charAt(i + 1);
    if (c === "-" && next === "-") {
      const end = text.indexOf("\n", i);
      i = end < 0 ? text.length : end + 1;
    } else if (c === "/" && next === "*") {
      let depth = 1;
      i += 2;
      while (i < text.length && depth > 0) {
        const step = text.startsWith("/*", i) ? 1 : text.startsWith("*/", i) ? -1 : 0;
        depth += step;
        i += step === 0 ? 1 : 2;
      }
    } else if (c === "'" || c === '"') {
      // E'…' strings take backslash escapes; every quoted form doubles its quote to escape it.
      const backslashes = c === "'" && /[eE]/.test(text.charAt(i - 1)) && !WORD_REST.test(text.charAt(i - 2));
      i++;
      while (i < text.length) {
        const d = text.charAt(i);
        if (backslashes && d === "\\") i += 2;
        else if (d === c && text.charAt(i + 1) === c) i += 2;
        else if (d === c) break;
        else i++;
      }
      i++;
      push('"');
    } else if (c === "$" && DOLLAR_TAG.test(text.slice(i, i + 64))) {
      const tag = DOLLAR_TAG.exec(text.slice(i, i + 64))?.[0] ?? "$$";
      const end = text.indexOf(tag, i + tag.length);
      i = end < 0 ? text.length : end + tag.length;
      push('"');
    } else if (c === ";") {
      heads.push([]);
      i++;
    } else if (WORD.test(c)) {
      let j = i + 1;
      while (j < text.length && WORD_REST.test(text.charAt(j))) j++;
      // The E of E'…' belongs to the string that follows.
      if (!(j === i + 1 && /[eE]/.test(c) && text.charAt(j) === "'")) push(text.slice(i, j).toUpperCase());
      i = j;
    } else if (/\s/.test(c)) {
      i++;
    } else {
      push(c);
      i++;
    }
  }
  return heads.filter((h) => h.length > 0);
}

/**
 * The first transaction-control or session statement in `text`, as its
 * leading words (e.g. `"SET SESSION"`), or null when `text` may run.
 *
 * @example refusedStatement("/* x *\/ commit") // "COMMIT"
 * @example refusedStatement("SET LOCAL lock_timeout = '1s'") // null
 */
export function refusedStatement(text: string): string | null {
  for (const [first = "", second = ""] of statementHeads(text)) {
    const refused =
      REFUSED_FIRST.has(first) ||
      (first === "PREPARE" && second === "TRANSACTION") ||
      (first === "SET" && !SET_ALLOWED.has(second)) ||
      // A temporary table outlives the range on its connection, and reaches the next one.
      (first === "CREATE" && (second === "TEMP" || second === "TEMPORARY"));
    if (refused) return [first, second].join(" ").trim();
  }
  return null;
}

/** Throws a `statement_refused` CodedError when `text` holds a statement rangemap must own. */
export function guardStatement(text: string): void {
  const refused = refusedStatement(text);
  if (refused === null) return;
  throw new CodedError(
    STATEMENT_REFUSED,
    `a job cannot run "${refused}…": rangemap owns the transaction and the session (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, SET without LOCAL, RESET, DISCARD, CALL and CREATE TEMP TABLE are refused)`,
  );
}
