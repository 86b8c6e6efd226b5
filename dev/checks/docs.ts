/**
 * `npm run docs:check` (part of `npm run check`): docs/reliability.md claims
 * each property is shown by a named test, so a test renamed or removed must
 * not leave the table naming something that no longer exists.
 *
 * In each table row, a backticked file name (`fold.integration.test.ts`, under
 * test/ unless it has a folder: `e2e/restart.ts`) must exist, and every
 * "double-quoted" text after it in the same cell must be part of the title of
 * an `it`/`test`/`describe` in that file (a trailing … is allowed; `${…}` in a
 * title matches anything). Quotes inside backticks are code, not titles.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const DOCS = ["docs/reliability.md"];
const TEST_CALLS = new Set(["it", "test", "describe"]);
const problems: string[] = [];

/** The callee's root name: `it`, `it.each([...])`, `describe.concurrent` → "it" / "describe". */
function rootName(expr: ts.Expression): string | undefined {
  if (ts.isIdentifier(expr)) return expr.text;
  if (ts.isPropertyAccessExpression(expr)) return rootName(expr.expression);
  if (ts.isCallExpression(expr)) return rootName(expr.expression);
  return undefined;
}

/** The titles of the file's tests as patterns: literal text, with `${…}` parts matching anything. */
function titlesOf(file: string): RegExp[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const titles: RegExp[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && TEST_CALLS.has(rootName(node.expression) ?? "")) {
      const first = node.arguments[0];
      if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) titles.push(new RegExp(escape(first.text)));
      if (first && ts.isTemplateExpression(first)) {
        const parts = [first.head.text, ...first.templateSpans.map((s) => s.literal.text)];
        titles.push(new RegExp(parts.map(escape).join(".*")));
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return titles;
}

const TOKEN = /`([^`]+)`|"([^"]+)"/g;
const unescape = (pattern: string) => pattern.replace(/\\(.)/g, "$1");
const FILE = /^[\w./-]+\.(test\.ts|ts)$/;

for (const doc of DOCS) {
  readFileSync(doc, "utf8").split("\n").forEach((line, i) => {
    // A table row's cells are read apart; any other line is one cell.
    for (const cell of line.startsWith("|") ? line.split("|") : [line]) {
      let current: { file: string; titles: RegExp[] } | undefined;
      for (const [, code, quoted] of cell.matchAll(TOKEN)) {
        if (code !== undefined && FILE.test(code)) {
          const file = code.includes("/") ? code : path.join("test", code);
          current = existsSync(file) ? { file, titles: file.endsWith(".test.ts") ? titlesOf(file) : [] } : undefined;
          if (!current) problems.push(`${doc}:${i + 1}: names ${file}, which does not exist`);
        } else if (quoted !== undefined && current?.file.endsWith(".test.ts")) {
          // A quote is a part of a title: a trailing … only says so.
          const text = quoted.replace(/…$/, "");
          if (!current.titles.some((t) => t.test(text) || t.source.split(".*").some((part) => unescape(part).includes(text)))) {
            problems.push(`${doc}:${i + 1}: "${quoted}" is not (part of) the title of a test in ${current.file}`);
          }
        }
      }
    }
  });
}

if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log("docs: ok");
