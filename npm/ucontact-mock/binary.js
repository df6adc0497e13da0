// Finding the ucontact-mock binary, as esbuild and Biome find theirs: UCONTACT_MOCK_BIN when set,
// else the platform package npm installed beside this one (an optional dependency per os, cpu and
// libc; only the one that fits this machine is installed).
import { existsSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** The platform packages the release builds, by `platform-arch-libc`. */
export const PLATFORMS = {
  "linux-x64-gnu": "@ucontact-mock/linux-x64-gnu",
  "linux-arm64-gnu": "@ucontact-mock/linux-arm64-gnu",
  "linux-x64-musl": "@ucontact-mock/linux-x64-musl",
  "linux-arm64-musl": "@ucontact-mock/linux-arm64-musl",
  "darwin-x64": "@ucontact-mock/darwin-x64",
  "darwin-arm64": "@ucontact-mock/darwin-arm64",
  "win32-x64": "@ucontact-mock/win32-x64",
};

/** This machine's key in PLATFORMS: glibc or musl told apart by Node's own report. */
export function platformKey() {
  const { platform, arch } = process;
  if (platform !== "linux") return `${platform}-${arch}`;
  const header = process.report?.getReport?.().header;
  return `${platform}-${arch}-${header?.glibcVersionRuntime ? "gnu" : "musl"}`;
}

/** The path of the binary, or an Error saying what to install. */
export function findBinary() {
  const override = process.env.UCONTACT_MOCK_BIN;
  if (override) {
    if (!existsSync(override)) throw new Error(`UCONTACT_MOCK_BIN is ${JSON.stringify(override)}, which is not a file`);
    return override;
  }
  const key = platformKey();
  const name = PLATFORMS[key];
  if (!name) throw new Error(`ucontact-mock has no binary for ${key}; set UCONTACT_MOCK_BIN to one you built`);
  const file = process.platform === "win32" ? "bin/ucontact-mock.exe" : "bin/ucontact-mock";
  try {
    return require.resolve(`${name}/${file}`);
  } catch {
    throw new Error(
      `the package ${name} (the binary for ${key}) is not installed: npm skipped an optional dependency ` +
        `(--omit=optional, or a lockfile made on another platform); install it, or set UCONTACT_MOCK_BIN`,
    );
  }
}
