import type { AppContext, AppSettings } from "./app/context.js";
import { SchedulingRulesCache } from "./app/availability/scheduling-rules-cache.js";
import { DEFAULT_RETRY_LIMITS } from "./domain/outbox/delivery-retry.js";
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
import { PgOutboundRateLimits } from "./db/outbound-rate-limits.js";
import { SqlPool } from "./db/sql-pool.js";
import type { Clock } from "./domain/clock.js";
import { JobRuntime } from "./jobs/queue.js";
import { schedulesOf } from "./jobs/schedules.js";
import type { Logger } from "./logger.js";
import { providerOrigins } from "./observability/provider-origins.js";
import { ServiceMetrics } from "./observability/service-metrics.js";
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
  /** Register the recurring jobs (default true; tests opt in). */
  runSchedules?: boolean;
}

export interface Application {
  ctx: AppContext;
  /** What GET /metrics renders; the app reports into it through ctx.metrics. */
  metrics: ServiceMetrics;
  /** Stops the job workers (bounded wait for running jobs) and releases their connections. */
  stop(): Promise<void>;
}

export function appSettingsOf(config: Config): AppSettings {
  const sync = config.twoWaySync;
  const { realtime } = config;
  const minutes = realtime.scheduleMinutes;
  return {
    oauthRedirectUri: config.oauthRedirectUri,
    fastPathBudgetMs: sync.fastPathBudgetMs,
    notificationServiceUrl: sync.notificationServiceUrl,
    notificationServiceKey: sync.notificationServiceKey,
    outboxClaimMs: sync.outboxClaimMs,
    outboxRetry: {
      ...DEFAULT_RETRY_LIMITS,
      maxAttempts: sync.outboxMaxAttempts,
      baseDelayMs: sync.outboxRetryBaseDelayMs,
    },
    outboundWritesPerSecond: sync.outboundWritesPerSecond,
    massDeleteShare: sync.massDeletePercent / 100,
    massDeleteMinimum: sync.massDeleteMinimum,
    publicBaseUrl: config.publicBaseUrl,
    syncCoalesceMs: realtime.syncCoalesceMs,
    channelRenewBeforeMs: realtime.channelRenewBeforeMs,
    freshnessBudgetMs: realtime.freshnessBudgetMs,
    scheduleIntervalsMs: {
      "schedule-backstop-sync": minutes.backstopSync * 60_000,
      "schedule-caldav-poll": minutes.caldavPoll * 60_000,
      "schedule-full-sync": minutes.fullSync * 60_000,
      "schedule-channel-renewal": minutes.channelRenewal * 60_000,
      "schedule-token-refresh": minutes.tokenRefresh * 60_000,
      "schedule-prune": minutes.prune * 60_000,
      "schedule-hold-reap": minutes.holdReap * 60_000,
    },
    retention: realtime.retention,
    reencryptBatchSize: 500,
  };
}

/** The one composition root: builds the AppContext and starts the job workers on it. */
export async function wireApplication(options: WiringOptions): Promise<Application> {
  const { orm, config, logger, clock } = options;
  const databaseUrl = orm.config.get("clientUrl");
  if (!databaseUrl) throw new Error("the ORM has no clientUrl to give pg-boss");
  const cipher = TokenCipher.fromConfig(config);
  const providers = options.providers ?? ProviderRegistry.fromConfig(config);
  const settings = appSettingsOf(config);
  const jobs = await JobRuntime.start({
    databaseUrl,
    logger,
    ...(options.workers ? { workers: options.workers } : {}),
    ...(options.queueSchema ? { schema: options.queueSchema } : {}),
    ...(options.runSchedules === false ? {} : { schedules: schedulesOf(settings) }),
  });
  const sql = new SqlPool(databaseUrl);
  const metrics = new ServiceMetrics({
    orm,
    queueStats: () => jobs.stats(),
    providerOrigins: providerOrigins(config),
    logger,
  });
  const ctx: AppContext = {
    orm,
    sql,
    schedulingRules: new SchedulingRulesCache(),
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
    outboundRateLimit: new PgOutboundRateLimits(orm),
    jobs,
    metrics,
    settings,
  };
  await jobs.startWorkers(ctx);
  // Whatever a previous run left in the outbox is queued now, not at the next sweep.
  await jobs.send("outbox-sweep", {});
  return {
    ctx,
    metrics,
    async stop() {
      await jobs.stop();
      await sql.close();
      metrics.stop();
    },
  };
}
