import { appSettingsOf } from "../../src/wiring.js";
import type { AppContext, JobMessages, JobQueue, QueueName, SendOptions } from "../../src/app/context.js";
import { SchedulingRulesCache } from "../../src/app/availability/scheduling-rules-cache.js";
import { IntegrationCredentials } from "../../src/app/integrations/integration-credentials.js";
import { providerRetryPolicy } from "../../src/app/integrations/provider-retry-policy.js";
import type { Config } from "../../src/config.js";
import { TenantKeyRing } from "../../src/app/customer-data/tenant-key-ring.js";
import { LocalKeyProvider } from "../../src/crypto/key-provider.js";
import { TokenCipher } from "../../src/crypto/token-cipher.js";
import type { MikroORM } from "../../src/db/orm.js";
import { PgOutboundRateLimits } from "../../src/db/outbound-rate-limits.js";
import { SqlPool } from "../../src/db/sql-pool.js";
import { systemClock, type Clock } from "../../src/domain/clock.js";
import { createLogger } from "../../src/logger.js";
import { ProviderRegistry } from "../../src/providers/registry.js";
import { testConfig } from "./test-server.js";

export interface SentJob {
  queue: QueueName;
  data: JobMessages[QueueName];
  id?: string;
}

/** A JobQueue that only records what was sent: use-case and handler tests run no workers. */
export class RecordingJobQueue implements JobQueue {
  readonly sent: SentJob[] = [];

  async send<Q extends QueueName>(queue: Q, data: JobMessages[Q], options: SendOptions = {}): Promise<boolean> {
    this.sent.push({ queue, data, ...(options.id ? { id: options.id } : {}) });
    return true;
  }

  async isAbandoned(): Promise<boolean> {
    return false;
  }

  exclusive<T>(_keys: string | readonly string[], work: () => Promise<T>): Promise<T> {
    return work();
  }
}

/**
 * An AppContext on a real database without pg-boss or a server, built like
 * src/wiring.ts builds it; parts can be replaced (providers, clock, jobs).
 */
export function testAppContext(options: {
  orm: MikroORM;
  config?: Config;
  clock?: Clock;
  providers?: ProviderRegistry;
  jobs?: JobQueue;
  reencryptBatchSize?: number;
}): AppContext & { jobs: JobQueue } {
  const config = options.config ?? testConfig();
  const clock = options.clock ?? systemClock;
  const logger = createLogger("silent");
  const cipher = TokenCipher.fromConfig(config);
  const providers = options.providers ?? ProviderRegistry.fromConfig(config);
  return {
    orm: options.orm,
    sql: new SqlPool(options.orm.config.get("clientUrl")!),
    schedulingRules: new SchedulingRulesCache(),
    clock,
    logger,
    cipher,
    customerKeys: new TenantKeyRing(
      options.orm,
      new LocalKeyProvider(config.customerDataMasterKeys.current, config.customerDataMasterKeys.keys),
    ),
    providers,
    credentials: new IntegrationCredentials({ orm: options.orm, cipher, providers, clock, logger }),
    providerRetry: providerRetryPolicy({ maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 100 }),
    outboundRateLimit: new PgOutboundRateLimits(options.orm),
    jobs: options.jobs ?? new RecordingJobQueue(),
    metrics: { syncFinished: () => {} },
    settings: { ...appSettingsOf(config), reencryptBatchSize: options.reencryptBatchSize ?? 500 },
  };
}
