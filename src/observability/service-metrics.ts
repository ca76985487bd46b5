import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { AppMetrics } from "../app/context.js";
import type { MikroORM } from "../db/orm.js";
import type { QueueStats } from "../jobs/queue-stats.js";
import type { Logger } from "../logger.js";
import type { RpcMetrics } from "../rpc/interceptors/rpc-telemetry.js";
import { readOutboxLag } from "./outbox-lag.js";
import { watchProviderHttpCalls } from "./provider-http-calls.js";
import { readPushChannelHealth } from "./push-channel-health.js";

export interface ServiceMetricsOptions {
  orm: MikroORM;
  /** Depth and age per queue, read on scrape. */
  queueStats: () => Promise<QueueStats[]>;
  /** Origin → provider name, for counting outgoing provider HTTP calls. */
  providerOrigins: Map<string, string>;
  logger: Logger;
}

interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  max: number;
}

/**
 * Every series GET /metrics exposes, on a registry of its own. Counters and
 * histograms are updated on the hot path (a label lookup and an add); whatever
 * comes from the database is read once per scrape in scrape().
 */
export class ServiceMetrics implements AppMetrics, RpcMetrics {
  readonly registry = new Registry();
  private readonly stopWatchingProviders: () => void;

  private readonly rpcRequests = new Counter({
    name: "ucal_rpc_requests_total",
    help: "RPCs handled, by method and final Connect code.",
    labelNames: ["method", "code"] as const,
    registers: [this.registry],
  });
  private readonly rpcDuration = new Histogram({
    name: "ucal_rpc_duration_seconds",
    help: "RPC latency (for server streams: until the stream starts), by method and code.",
    labelNames: ["method", "code"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly rateLimitRefusals = new Counter({
    name: "ucal_rate_limit_refusals_total",
    help: "Calls refused by the rate limiter, by caller kind (tenant or service).",
    labelNames: ["caller"] as const,
    registers: [this.registry],
  });
  private readonly syncDuration = new Histogram({
    name: "ucal_sync_duration_seconds",
    help: "Time to sync one integration within a sync job, by provider and outcome.",
    labelNames: ["provider", "outcome"] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });
  private readonly providerCalls = new Counter({
    name: "ucal_provider_http_requests_total",
    help: 'HTTP calls to providers, by provider and response status ("error" when no response came).',
    labelNames: ["provider", "status"] as const,
    registers: [this.registry],
  });
  private readonly poolConnections = new Gauge({
    name: "ucal_db_pool_connections",
    help: "The ORM's PostgreSQL pool: connections in use, idle, and acquisitions waiting.",
    labelNames: ["state"] as const,
    registers: [this.registry],
  });
  private readonly poolMax = new Gauge({
    name: "ucal_db_pool_max_connections",
    help: "The ORM pool's size limit.",
    registers: [this.registry],
  });
  private readonly queueJobs = new Gauge({
    name: "ucal_job_queue_jobs",
    help: "pg-boss jobs per queue: waiting (created or retry) and active.",
    labelNames: ["queue", "state"] as const,
    registers: [this.registry],
  });
  private readonly queueOldest = new Gauge({
    name: "ucal_job_queue_oldest_waiting_seconds",
    help: "Age of the oldest waiting job per queue; 0 when none waits.",
    labelNames: ["queue"] as const,
    registers: [this.registry],
  });
  private readonly outboxUndelivered = new Gauge({
    name: "ucal_outbox_undelivered_messages",
    help: "Outbox messages not yet delivered.",
    registers: [this.registry],
  });
  private readonly outboxLag = new Gauge({
    name: "ucal_outbox_oldest_undelivered_seconds",
    help: "Age of the oldest undelivered outbox message (outbox lag); 0 when none waits.",
    registers: [this.registry],
  });
  private readonly pushChannels = new Gauge({
    name: "ucal_push_channels",
    help: "Provider push channels (webhook_channels) by provider and state: active, expiring within an hour, expired.",
    labelNames: ["provider", "state"] as const,
    registers: [this.registry],
  });
  private readonly scrapeErrors = new Counter({
    name: "ucal_metrics_scrape_errors_total",
    help: "Scrapes whose database-derived gauges could not be read (they keep their last values).",
    registers: [this.registry],
  });

  constructor(private readonly options: ServiceMetricsOptions) {
    collectDefaultMetrics({ register: this.registry });
    this.stopWatchingProviders = watchProviderHttpCalls(options.providerOrigins, (provider, status) =>
      this.providerCalls.inc({ provider, status }),
    );
  }

  rpcFinished(method: string, code: string, seconds: number): void {
    this.rpcRequests.inc({ method, code });
    this.rpcDuration.observe({ method, code }, seconds);
  }

  rateLimitRefused(caller: string): void {
    this.rateLimitRefusals.inc({ caller });
  }

  syncFinished(provider: string, outcome: "succeeded" | "failed", seconds: number): void {
    this.syncDuration.observe({ provider, outcome }, seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Reads the database-derived gauges, then renders every series in Prometheus text format. */
  async scrape(): Promise<string> {
    this.readPool();
    try {
      await this.readDatabaseGauges();
    } catch (error) {
      this.scrapeErrors.inc();
      this.options.logger.warn({ err: error }, "metrics: database gauges unavailable");
    }
    return this.registry.metrics();
  }

  stop(): void {
    this.stopWatchingProviders();
  }

  private readPool(): void {
    const pool = (this.options.orm.em.getConnection().getKnex().client as { pool?: TarnPool }).pool;
    if (!pool) return;
    this.poolConnections.set({ state: "used" }, pool.numUsed());
    this.poolConnections.set({ state: "idle" }, pool.numFree());
    this.poolConnections.set({ state: "pending" }, pool.numPendingAcquires());
    this.poolMax.set(pool.max);
  }

  private async readDatabaseGauges(): Promise<void> {
    const [queues, outbox, channels] = await Promise.all([
      this.options.queueStats(),
      readOutboxLag(this.options.orm),
      readPushChannelHealth(this.options.orm),
    ]);
    for (const queue of queues) {
      this.queueJobs.set({ queue: queue.queue, state: "waiting" }, queue.waiting);
      this.queueJobs.set({ queue: queue.queue, state: "active" }, queue.active);
      this.queueOldest.set({ queue: queue.queue }, queue.oldestWaitingSeconds);
    }
    this.outboxUndelivered.set(outbox.undelivered);
    this.outboxLag.set(outbox.oldestSeconds);
    this.pushChannels.reset();
    for (const channel of channels) {
      this.pushChannels.set({ provider: channel.provider, state: channel.state }, channel.channels);
    }
  }
}
