// Stamps staged packages with one version (Cargo.toml's): each package.json's own version, and the
// main package's optional dependencies on its platform packages.
// Usage: node stamp.mjs VERSION PACKAGE_DIR...
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [version, ...dirs] = process.argv.slice(2);
if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version ?? "")) throw new Error(`not a version: ${version}`);
for (const dir of dirs) {
  const file = join(dir, "package.json");
  const manifest = JSON.parse(readFileSync(file, "utf8"));
  manifest.version = version;
  for (const name of Object.keys(manifest.optionalDependencies ?? {})) manifest.optionalDependencies[name] = version;
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
}
