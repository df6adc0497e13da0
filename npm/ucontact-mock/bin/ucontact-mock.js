#!/usr/bin/env node
// `npx ucontact-mock ...`: runs the platform binary with the same arguments, standard streams and
// exit status; a signal sent to this launcher is passed on to the server.
import { spawn } from "node:child_process";
import { findBinary } from "../binary.js";

let binary;
try {
  binary = findBinary();
} catch (error) {
  console.error(`ucontact-mock: ${error.message}`);
  process.exit(1);
}
const child = spawn(binary, process.argv.slice(2), { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => child.kill(signal));
}
child.on("error", (error) => {
  console.error(`ucontact-mock: could not run ${binary}: ${error.message}`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else {
    process.exit(code ?? 1);
  }
});
