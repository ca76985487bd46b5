import type { Tracer } from "@opentelemetry/api";
import type { Config } from "./config.js";
import { DatabaseHealth } from "./db/database-health.js";
import { openConfiguredDatabase } from "./db/open-configured-database.js";
import { systemClock } from "./domain/clock.js";
import type { Logger } from "./logger.js";
import { startServer } from "./server.js";
import { wireApplication } from "./wiring.js";
import { encryptLegacyCustomerData } from "./app/customer-data/encrypt-legacy-customer-data.js";
import { resumeCustomerDataRotations } from "./app/customer-data/reencrypt-customer-data.js";

export interface RunningService {
  port: number;
  /** Stops in order: the port (in-flight calls finish), the workers, the database. */
  stop(graceMs?: number): Promise<void>;
}

/** The whole service from a parsed config: database (+ migrations), wiring, workers and the one port. */
export async function startService(options: {
  config: Config;
  logger: Logger;
  tracer?: Tracer;
  /** Serves the browser console built into this directory. */
  consoleDir?: string;
}): Promise<RunningService> {
  const { config, logger } = options;
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
    ...(options.tracer ? { tracer: options.tracer } : {}),
    ...(options.consoleDir ? { consoleDir: options.consoleDir } : {}),
  });
  return {
    port: server.port,
    async stop(graceMs) {
      await server.close(graceMs);
      await application.stop();
      await database.close();
    },
  };
}
