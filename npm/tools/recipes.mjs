// Writes the Node recipes of docs/recipes.md into a project, as they stand: a block under
// `<!-- tested: RUNNER FILE -->` becomes FILE, in test/ for node:test and in recipes/RUNNER/ for
// jest and vitest, where scripts/node-check runs them.
// Usage: node recipes.mjs RECIPES_MD PROJECT_DIR
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const [markdown, project] = process.argv.slice(2);
const text = readFileSync(markdown, "utf8");
const found = [...text.matchAll(/<!-- tested: (node:test|jest|vitest) (\S+) -->\n```\w*\n([\s\S]*?)\n```/g)];
if (found.length === 0) throw new Error(`no Node recipe in ${markdown}`);
const written = new Set();
for (const [, runner, file, code] of found) {
  const path = runner === "node:test" ? join(project, "test", file) : join(project, "recipes", runner, file);
  if (written.has(path)) throw new Error(`two recipes write ${file}`);
  written.add(path);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${code}\n`);
}
const count = (runner) => found.filter((f) => f[1] === runner).length;
console.log(`node-check: ${found.length} recipe files (node:test ${count("node:test")}, jest ${count("jest")}, vitest ${count("vitest")})`);
