import { ConfigError, loadConfig, usesDevelopmentSecrets, type Config } from "./config.js";
import { DatabaseHealth } from "./app/database-health.js";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./db/embedded-postgres.js";
import { ensureDatabaseExists, migrate, openDatabase } from "./db/orm.js";
import { createLogger } from "./logger.js";
import { startServer } from "./server.js";

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

const startedAt = performance.now();
const config = readConfig();
const logger = createLogger(config.logLevel);
if (usesDevelopmentSecrets()) {
  logger.warn("INTERNAL_SERVICE_KEY, JWT_SECRET or TOKEN_ENCRYPTION_KEY unset: using development defaults (never in production)");
}

let embedded: EmbeddedDatabase | undefined;
let databaseUrl = config.databaseUrl;
if (!databaseUrl) {
  logger.info({ dir: config.embeddedDataDir }, "DATABASE_URL unset: starting embedded PostgreSQL");
  embedded = await startEmbeddedPostgres(config.embeddedDataDir, (line) => logger.debug({ postgres: line.trim() }));
  databaseUrl = embedded.url.replace(/\/postgres$/, "/universal_calendar");
  await ensureDatabaseExists(databaseUrl);
}

const orm = await openDatabase(databaseUrl);
const applied = await migrate(orm);
logger.info({ applied }, "migrations applied");

const server = await startServer(config, logger, { databaseHealth: new DatabaseHealth(orm) });
logger.info({ port: server.port, startupMs: Math.round(performance.now() - startedAt) }, "universal-calendar listening");

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down: finishing in-flight calls");
  await server.close();
  await orm.close();
  await embedded?.stop();
  logger.info("stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
