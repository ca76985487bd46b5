// What `npm start` passes to node (package.json's start script), so the CI smoke start and the
// benches run the service with production's flags.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The node arguments of npm start; throws when npm start no longer runs node directly. */
export function startArguments() {
  const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  const [command, ...args] = manifest.scripts.start.trim().split(/\s+/);
  if (command !== "node") throw new Error(`npm start runs ${command}, not node: update scripts/start-arguments.mjs`);
  return args;
}
