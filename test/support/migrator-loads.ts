/**
 * Run as its own process (`node --import tsx`, database URL as the argument): migrates that database
 * the way the service does at startup and prints, as JSON, the migrations applied and whether
 * MikroORM's migrator module was loaded. A module loaded by any earlier test in the same process
 * would hide the answer.
 */
import { registerHooks } from "node:module";

const loadedUrls = new Set<string>();
registerHooks({
  load(url, context, nextLoad) {
    loadedUrls.add(url);
    return nextLoad(url, context);
  },
});

const { migrate } = await import("../../src/db/migrations.js");
const { openDatabase } = await import("../../src/db/orm.js");

const orm = await openDatabase(process.argv[2]!);
try {
  const applied = await migrate(orm);
  // MikroORM reads every @mikro-orm package's package.json at init, to check their versions agree.
  const migratorLoaded = [...loadedUrls].some(
    (url) => url.includes("/node_modules/@mikro-orm/migrations/") && !url.endsWith("/package.json"),
  );
  console.log(JSON.stringify({ applied, migratorLoaded }));
} finally {
  await orm.close();
}
