// Makes the npm package of one platform's binary, as the release workflow does for each of PLATFORMS
// (npm/linux-x64-gnu is this tool's output for linux-x64-gnu, and node-check checks that it still is).
// Usage: node platform.mjs KEY BINARY_DIR OUT_DIR   (KEY as in PLATFORMS, e.g. linux-arm64-musl)
import { copyFileSync, mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PLATFORMS } from "../ucontact-mock/binary.js";

const LIBC = { gnu: "glibc", musl: "musl" };
const NAMES = { linux: "Linux", darwin: "macOS", win32: "Windows", x64: "x86_64", arm64: "arm64" };

/** The package.json of KEY's platform package. */
export function manifest(key) {
  const name = PLATFORMS[key];
  if (!name) throw new Error(`not a platform of PLATFORMS: ${key}`);
  const [os, cpu, libc] = key.split("-");
  const file = os === "win32" ? "bin/ucontact-mock.exe" : "bin/ucontact-mock";
  const what = libc === "gnu" ? " with glibc 2.34 or later" : libc ? " with musl" : "";
  return {
    name,
    version: "0.0.0-stamped-from-cargo-toml",
    description: `The ucontact-mock binary for ${NAMES[os]} ${NAMES[cpu]}${what} (installed by the ucontact-mock package)`,
    os: [os],
    cpu: [cpu],
    ...(libc ? { libc: [LIBC[libc]] } : {}),
    files: [file],
    preferUnplugged: true,
  };
}

// Run as a script (the URL compared as Node makes it: Windows drive letters, spaces, symlinks).
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  const [key, binaryDir, out] = process.argv.slice(2);
  const package_ = manifest(key);
  mkdirSync(join(out, "bin"), { recursive: true });
  const file = package_.files[0];
  copyFileSync(join(binaryDir, file.slice("bin/".length)), join(out, file));
  writeFileSync(join(out, "package.json"), `${JSON.stringify(package_, null, 2)}\n`);
}
