import { DatabaseHealth } from "./db/database-health.js";
import { readConfigOrExit } from "./config-or-exit.js";
import { usesDevelopmentSecrets } from "./config.js";
import { systemClock } from "./domain/clock.js";
import { openConfiguredDatabase } from "./db/open-configured-database.js";
import { createLogger } from "./logger.js";
import { startTracingFromEnv } from "./observability/tracing-from-env.js";
import { startServer } from "./server.js";
import { wireApplication } from "./wiring.js";
import { encryptLegacyCustomerData } from "./app/customer-data/encrypt-legacy-customer-data.js";
import { resumeCustomerDataRotations } from "./app/customer-data/reencrypt-customer-data.js";

const startedAt = performance.now();
const tracing = await startTracingFromEnv();
const config = readConfigOrExit();
const logger = createLogger(config.logLevel);
if (usesDevelopmentSecrets()) {
  logger.warn(
    "INTERNAL_SERVICE_KEY, JWT_SECRET, TOKEN_ENCRYPTION_KEY or CUSTOMER_DATA_MASTER_KEY unset: using development defaults (never in production)",
  );
}

const database = await openConfiguredDatabase(config, logger);
const application = await wireApplication({ orm: database.orm, config, logger, clock: systemClock });
// Before serving (the schema is migrated by now): no plaintext left behind by the customer-data
// migration, and an interrupted re-encryption after a key rotation carries on from its checkpoint.
const converted = await encryptLegacyCustomerData(application.ctx);
if (converted > 0) logger.info({ rows: converted }, "encrypted legacy plaintext customer data");
await resumeCustomerDataRotations(application.ctx);
const server = await startServer({
  app: application.ctx,
  config,
  logger,
  databaseHealth: new DatabaseHealth(database.orm),
  metrics: application.metrics,
  ...(tracing ? { tracer: tracing.tracer } : {}),
});
logger.info(
  { port: server.port, startupMs: Math.round(performance.now() - startedAt) },
  "universal-calendar listening",
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down: finishing in-flight calls");
  await server.close();
  await application.stop();
  await database.close();
  // A collector that cannot be reached loses the last spans; it must not turn a clean stop into a crash.
  await tracing?.shutdown().catch((error: unknown) => logger.warn({ err: error }, "flushing traces failed"));
  logger.info("stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
