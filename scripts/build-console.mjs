#!/usr/bin/env node
// The browser console (web/console) bundled with esbuild into one ES module beside its
// HTML and CSS: run by `npm run build` into dist/console, and by tests and the sandbox,
// which run the service from sources, into a directory of their own.
import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const source = path.join(root, "web", "console");

export async function buildConsole(outdir) {
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: [path.join(source, "console.ts")],
    outfile: path.join(outdir, "console.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    logLevel: "warning",
  });
  for (const file of ["index.html", "console.css"]) copyFileSync(path.join(source, file), path.join(outdir, file));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildConsole(process.argv[2] ?? path.join(root, "dist", "console"));
}
