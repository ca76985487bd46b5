import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded-postgres.js";
import { migrate } from "./migrations.js";
import { ensureDatabaseExists, openDatabase, type MikroORM } from "./orm.js";

export interface ConfiguredDatabase {
  orm: MikroORM;
  /** Closes the pool and stops the embedded server, if one was started. */
  close(): Promise<void>;
}

/** DATABASE_URL, or an embedded PostgreSQL under EMBEDDED_PG_DIR; migrations applied. */
export async function openConfiguredDatabase(config: Config, logger: Logger): Promise<ConfiguredDatabase> {
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (!url) {
    logger.info({ dir: config.embeddedDataDir }, "DATABASE_URL unset: starting embedded PostgreSQL");
    embedded = await startEmbeddedPostgres(config.embeddedDataDir, (line) => logger.debug({ postgres: line.trim() }));
    url = embedded.url.replace(/\/postgres$/, "/universal_calendar");
    await ensureDatabaseExists(url);
  }
  const orm = await openDatabase(url, {
    log: (message) => logger.debug({ orm: message }),
    warn: (message) => logger.warn({ orm: message }, "database client"),
  });
  const applied = await migrate(orm);
  logger.info({ applied }, "migrations applied");
  return {
    orm,
    async close() {
      await orm.close();
      await embedded?.stop();
    },
  };
}
