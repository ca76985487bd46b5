import { readConfigOrExit } from "../config-or-exit.js";
import { openConfiguredDatabase } from "../db/open-configured-database.js";
import { openMigratingDatabase } from "../db/migrations.js";
import { createLogger } from "../logger.js";

/**
 * npm run migration:create: diffs the entities against the committed schema
 * snapshot (migrations/.snapshot-universal-calendar.json) and writes a new
 * migration file. Add its name to migrations/index.ts, then review its SQL: EXCLUDE
 * constraints and partial indexes are written by hand.
 */
const config = readConfigOrExit();
const logger = createLogger(config.logLevel);
const database = await openConfiguredDatabase(config, logger);
const url = database.orm.config.getClientUrl();
const orm = await openMigratingDatabase(url, { snapshot: true });
try {
  const result = await orm.getMigrator().createMigration();
  process.stdout.write(result.fileName ? `wrote migrations/${result.fileName}\n` : "no schema changes\n");
} finally {
  await orm.close();
  await database.close();
}
