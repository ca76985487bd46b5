import type { AppContext } from "./app/context.js";
import { IntegrationCredentials } from "./app/integrations/integration-credentials.js";
import {
  DEFAULT_RETRY_SETTINGS,
  providerRetryPolicy,
  type RetrySettings,
} from "./app/integrations/provider-retry-policy.js";
import type { Config } from "./config.js";
import { TenantKeyRing } from "./app/customer-data/tenant-key-ring.js";
import { LocalKeyProvider } from "./crypto/key-provider.js";
import { TokenCipher } from "./crypto/token-cipher.js";
import type { MikroORM } from "./db/orm.js";
import type { Clock } from "./domain/clock.js";
import { JobRuntime } from "./jobs/queue.js";
import type { Logger } from "./logger.js";
import { ProviderRegistry } from "./providers/registry.js";

export interface WiringOptions {
  orm: MikroORM;
  config: Config;
  logger: Logger;
  clock: Clock;
  /** Jobs of each queue this instance runs at once. */
  workers?: number;
  /** pg-boss schema (tests isolate servers sharing one database). */
  queueSchema?: string;
  retrySettings?: RetrySettings;
  /** Tests replace the providers built from config (e.g. with stubs). */
  providers?: ProviderRegistry;
}

export interface Application {
  ctx: AppContext;
  /** Stops the job workers (bounded wait for running jobs) and releases their connections. */
  stop(): Promise<void>;
}

/** The one composition root: builds the AppContext and starts the job workers on it. */
export async function wireApplication(options: WiringOptions): Promise<Application> {
  const { orm, config, logger, clock } = options;
  const databaseUrl = orm.config.get("clientUrl");
  if (!databaseUrl) throw new Error("the ORM has no clientUrl to give pg-boss");
  const cipher = TokenCipher.fromConfig(config);
  const providers = options.providers ?? ProviderRegistry.fromConfig(config);
  const jobs = await JobRuntime.start({
    databaseUrl,
    logger,
    ...(options.workers ? { workers: options.workers } : {}),
    ...(options.queueSchema ? { schema: options.queueSchema } : {}),
  });
  const ctx: AppContext = {
    orm,
    clock,
    logger,
    cipher,
    customerKeys: new TenantKeyRing(
      orm,
      new LocalKeyProvider(config.customerDataMasterKeys.current, config.customerDataMasterKeys.keys),
    ),
    providers,
    credentials: new IntegrationCredentials({ orm, cipher, providers, clock, logger }),
    providerRetry: providerRetryPolicy(options.retrySettings ?? DEFAULT_RETRY_SETTINGS),
    jobs,
    settings: { oauthRedirectUri: config.oauthRedirectUri, reencryptBatchSize: 500 },
  };
  await jobs.startWorkers(ctx);
  return { ctx, stop: () => jobs.stop() };
}
