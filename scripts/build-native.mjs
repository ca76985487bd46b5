#!/usr/bin/env node
// npm install (the package's "install" script) and npm run build: compiles native/ (the
// customer-data cipher and blind index through Node's own OpenSSL, why: native/aes_256_gcm.c; and
// the C heap's release of free pages, why: native/native_memory.c) with node-gyp into
// build/Release, against the headers that ship with the Node running this script (the pinned one
// under npm), so nothing is downloaded and the addons match the Node that loads them.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function fail(message) {
  process.stderr.write(`native addon: ${message}\n`);
  process.exit(1);
}

function onPath(command) {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

/**
 * Where the running Node's headers are: an official install keeps them beside bin/ (the Docker
 * image's /usr/local); the npm `node` package, whose bin/node is a hard link, keeps them in its
 * platform package.
 */
function nodeHeadersDir() {
  const candidates = [path.resolve(path.dirname(process.execPath), "..")];
  try {
    const pinned = createRequire(path.join(root, "node_modules", "node", "package.json"));
    candidates.unshift(path.dirname(pinned.resolve(`node-${process.platform}-${process.arch}/package.json`)));
  } catch {
    // no pinned node package: the running Node's own install is the only candidate
  }
  return candidates.find((dir) => existsSync(path.join(dir, "include", "node", "node_api.h")));
}

/** Builds build/Release/customer_data_crypto.node and native_memory.node; exits the process with one line saying what is missing when it cannot. */
export function buildNative() {
  const nodeDir = nodeHeadersDir();
  if (!nodeDir && existsSync(path.join(root, "node_modules", "node", "package.json"))) {
    // On linux-x64 the platform package is an optionalDependency, in the lockfile. Elsewhere the node
    // package installs it itself, outside the lockfile, so a later `npm install` prunes it; its rebuild
    // puts it back.
    fail("the pinned node package lacks its platform files (headers); run `npm rebuild node`");
  }
  if (!nodeDir) fail(`found no headers (include/node) for ${process.execPath}; reinstall Node with its headers`);
  const missing = ["python3", "make", "cc", "c++"].filter((command) => !onPath(command));
  if (missing.length > 0) {
    fail(`needs ${missing.join(", ")} to build; install them (Debian: apt-get install python3 make g++)`);
  }
  const nodeGyp = process.env.npm_config_node_gyp;
  if (!nodeGyp) fail("node-gyp comes with npm: run this through npm (npm install, npm run build)");
  const result = spawnSync(process.execPath, [nodeGyp, "rebuild", "--loglevel=warn", `--nodedir=${nodeDir}`], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (result.status !== 0) fail("node-gyp rebuild failed (its output is above)");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) buildNative();
