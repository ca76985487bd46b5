import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Where `npm run build` puts the bundled console: dist/console, beside the compiled dist/src. */
export const BUILT_CONSOLE_DIR = fileURLToPath(new URL("../../console/", import.meta.url));

export interface StaticAsset {
  contentType: string;
  body: Buffer;
}

const FILES: [route: string, file: string, contentType: string][] = [
  ["/console", "index.html", "text/html; charset=utf-8"],
  ["/console/console.js", "console.js", "text/javascript; charset=utf-8"],
  ["/console/console.css", "console.css", "text/css; charset=utf-8"],
];

/**
 * The browser console's files by route, read once at start (they are small and
 * never change while the process runs). Empty when the console was not built.
 */
export function loadConsoleAssets(dir: string = BUILT_CONSOLE_DIR): Map<string, StaticAsset> {
  const assets = new Map<string, StaticAsset>();
  for (const [route, file, contentType] of FILES) {
    try {
      assets.set(route, { contentType, body: readFileSync(path.join(dir, file)) });
    } catch {
      return new Map();
    }
  }
  return assets;
}
