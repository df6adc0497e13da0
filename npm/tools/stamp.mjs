// Stamps staged packages with one version (Cargo.toml's): each package.json's own version, and the
// main package's optional dependencies on its platform packages. With --all-platforms (the release),
// the main package depends on every package of PLATFORMS, not only the one built here.
// Usage: node stamp.mjs VERSION [--all-platforms] PACKAGE_DIR...
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PLATFORMS } from "../ucontact-mock/binary.js";

const [version, ...rest] = process.argv.slice(2);
const all = rest[0] === "--all-platforms";
const dirs = all ? rest.slice(1) : rest;
if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version ?? "")) throw new Error(`not a version: ${version}`);
for (const dir of dirs) {
  const file = join(dir, "package.json");
  const manifest = JSON.parse(readFileSync(file, "utf8"));
  manifest.version = version;
  if (all && manifest.optionalDependencies) {
    manifest.optionalDependencies = Object.fromEntries(Object.values(PLATFORMS).map((name) => [name, version]));
  }
  for (const name of Object.keys(manifest.optionalDependencies ?? {})) manifest.optionalDependencies[name] = version;
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
}
