import { IntegrationCredentials } from "./app/integrations/integration-credentials.js";
import type { Config } from "./config.js";
import { TokenCipher } from "./crypto/token-cipher.js";
import type { MikroORM } from "./db/orm.js";
import type { Clock } from "./domain/clock.js";
import type { Logger } from "./logger.js";
import { CalendarProviderRegistry } from "./providers/registry.js";
import { IntegrationLocks } from "./jobs/integration-locks.js";
import { DEFAULT_RETRY_SETTINGS, providerRetryPolicy, type RetrySettings } from "./app/integrations/provider-retry-policy.js";
import { SyncEngine } from "./app/sync/run-sync-job.js";
import { SyncQueue } from "./jobs/queue.js";

/** Everything calendar connections and syncs need at run time, started and stopped with the server. */
export interface CalendarSyncRuntime {
  cipher: TokenCipher;
  providers: CalendarProviderRegistry;
  credentials: IntegrationCredentials;
  syncQueue: SyncQueue;
  stop(): Promise<void>;
}

export interface CalendarSyncRuntimeOptions {
  orm: MikroORM;
  config: Config;
  logger: Logger;
  clock: Clock;
  workers?: number;
  /** pg-boss schema (tests isolate servers sharing one database). */
  queueSchema?: string;
  retrySettings?: RetrySettings;
}

export async function startCalendarSync(options: CalendarSyncRuntimeOptions): Promise<CalendarSyncRuntime> {
  const { orm, config, logger, clock } = options;
  const databaseUrl = orm.config.get("clientUrl");
  if (!databaseUrl) throw new Error("the ORM has no clientUrl to give pg-boss");
  const cipher = TokenCipher.fromConfig(config);
  const providers = CalendarProviderRegistry.fromConfig(config);
  const credentials = new IntegrationCredentials({ orm, cipher, providers, clock, logger });
  const locks = new IntegrationLocks(databaseUrl);
  const engine = new SyncEngine({
    orm,
    clock,
    logger,
    credentials,
    retryPolicy: providerRetryPolicy(options.retrySettings ?? DEFAULT_RETRY_SETTINGS),
    locks,
  });
  const syncQueue = await SyncQueue.start({
    databaseUrl,
    orm,
    clock,
    logger,
    engine,
    ...(options.workers ? { workers: options.workers } : {}),
    ...(options.queueSchema ? { schema: options.queueSchema } : {}),
  });
  return {
    cipher,
    providers,
    credentials,
    syncQueue,
    async stop() {
      await syncQueue.stop();
      await locks.close();
    },
  };
}
