/**
 * `npm run lint`: the project's own lint rules, on the TypeScript AST.
 * - no `any` type anywhere in src/, test/, cli/, dev/ or e2e/ (use `unknown` and narrow);
 * - no focused or skipped tests (`it.only`, `describe.skip`, …), which would
 *   hide failures from CI.
 * Names starting with `_` are left alone by design (unused parameters).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const ROOTS = ["src", "test", "cli", "dev", "e2e"];
const problems: string[] = [];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === "node_modules" ? [] : files(full);
    return /\.tsx?$/.test(name) && !name.endsWith(".d.ts") ? [full] : [];
  });
}

for (const file of ROOTS.flatMap(files)) {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const where = (node: ts.Node) => {
    const { line, character } = source.getLineAndCharacterOfPosition(node.getStart());
    return `${file}:${line + 1}:${character + 1}`;
  };
  const visit = (node: ts.Node): void => {
    if (node.kind === ts.SyntaxKind.AnyKeyword) problems.push(`${where(node)} uses \`any\``);
    if (
      ts.isPropertyAccessExpression(node) &&
      ["only", "skip"].includes(node.name.text) &&
      ts.isIdentifier(node.expression) &&
      ["it", "test", "describe"].includes(node.expression.text)
    ) {
      problems.push(`${where(node)} ${node.expression.text}.${node.name.text} hides tests from CI`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log("lint: ok");
