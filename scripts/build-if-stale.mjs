#!/usr/bin/env node
// prestart / premigrate: builds dist/ when it is missing or older than any of its inputs,
// so `npm install && npm start` works on a fresh clone and after a pull, and costs one
// directory walk (no compiler start) when nothing changed.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const inputs = [
  "src",
  "web",
  "gen",
  "migrations",
  "native",
  "binding.gyp",
  "tsconfig.json",
  "tsconfig.build.json",
  "package-lock.json",
];

function newestMtime(entry) {
  const stats = statSync(entry, { throwIfNoEntry: false });
  if (!stats) return 0;
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs; // a deleted or renamed file changes its directory's mtime
  for (const name of readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, name)));
  return newest;
}

const built = statSync(path.join(root, "dist", ".build-stamp"), { throwIfNoEntry: false })?.mtimeMs ?? 0;
const changed = Math.max(...inputs.map((input) => newestMtime(path.join(root, input))));
if (changed > built) {
  process.stderr.write(
    built === 0 ? "dist/ missing: building\n" : "sources changed since the last build: rebuilding\n",
  );
  const result = spawnSync(process.execPath, [path.join(root, "scripts", "build.mjs")], { stdio: "inherit" });
  process.exit(result.status ?? 1);
}
