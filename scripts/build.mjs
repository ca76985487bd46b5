#!/usr/bin/env node
// npm run build: compiles src/, gen/ and migrations/ into a clean dist/ (a file moved or
// deleted in the sources must not survive as a stale .js), adds the native addon, then stamps the build so that
// build-if-stale.mjs can tell whether the sources changed since.
import { spawnSync } from "node:child_process";
import { cpSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildConsole } from "./build-console.mjs";
import { buildNative } from "./build-native.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

rmSync(path.join(root, "dist"), { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
if (result.status !== 0) process.exit(result.status ?? 1);
await buildConsole(path.join(root, "dist", "console"));
// dist/ is all the service needs at runtime (the image ships only it): the addons go in too, at the
// same place relative to the compiled code as build/ is to src/.
buildNative();
for (const name of ["customer_data_crypto", "native_memory"]) {
  const addon = path.join("build", "Release", `${name}.node`);
  cpSync(path.join(root, addon), path.join(root, "dist", addon));
}
writeFileSync(path.join(root, "dist", ".build-stamp"), `${new Date().toISOString()} node ${process.version}\n`);
