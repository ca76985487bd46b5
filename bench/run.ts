import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * npm run bench [-- name ...]: runs every bench/*.bench.ts (or those whose
 * name contains one of the arguments). Each exports `run(): Promise<void>`
 * and prints its own figures.
 */
// Each bench measures PostgreSQL's CPU per call from /proc, so by default it runs its own
// embedded cluster (shared ones carry other work); BENCH_DATABASE_URL names a local server instead.
process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "";
process.env.DATABASE_URL = "";

const here = path.dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = (await readdir(here))
  .filter((file) => file.endsWith(".bench.ts"))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();
if (files.length === 0) {
  process.stderr.write(`no benchmark matches ${filters.join(", ")}\n`);
  process.exit(2);
}
for (const file of files) {
  process.stdout.write(`\n=== ${file}\n`);
  const bench = (await import(pathToFileURL(path.join(here, file)).href)) as { run: () => Promise<void> };
  await bench.run();
}
process.exit(0);
