import type { RetryPolicy } from "cockatiel";
import type { TokenCipher } from "../crypto/token-cipher.js";
import type { MikroORM } from "../db/orm.js";
import type { SqlPool } from "../db/sql-pool.js";
import type { RetryLimits } from "../domain/outbox/delivery-retry.js";
import type { Clock } from "../domain/clock.js";
import type { Logger } from "../logger.js";
import type { ProviderRegistry } from "../providers/registry.js";
import type { TenantKeyRing } from "./customer-data/tenant-key-ring.js";
import type { SchedulingRulesCache } from "./availability/scheduling-rules-cache.js";
import type { IntegrationCredentials } from "./integrations/integration-credentials.js";
import type { OutboundRateLimiter } from "./integrations/outbound-rate-limit.js";

/** Every queue and the payload its jobs carry; src/jobs maps each to the use case that runs it. */
export interface JobMessages {
  "calendar-sync": { syncJobId: string };
  /** One batch of re-encrypting a tenant's customer data under key version toVersion. */
  "customer-data-reencrypt": { tenantId: string; toVersion: number };
  /** Deliver the due outbox rows of one aggregate (an appointment's calendar writes, or its notifications). */
  "outbox-delivery": { tenantId: string; aggregateId: string };
  /** Backstop: queue a delivery for every aggregate with due rows (after a crash, a lost wake-up). */
  "outbox-sweep": Record<string, never>;
  /** A coalesced sync of one integration (pushes, backstop, polls): at most one waiting per integration and type. */
  "integration-sync": { integrationId: string; type: "full" | "incremental" };
  /** Work on push channels that must not hold up a webhook answer. */
  "push-channel": PushChannelTask;
  "schedule-backstop-sync": ScheduleTick;
  "schedule-caldav-poll": ScheduleTick;
  "schedule-full-sync": ScheduleTick;
  "schedule-channel-renewal": ScheduleTick;
  "schedule-token-refresh": ScheduleTick;
  "schedule-prune": ScheduleTick;
  "schedule-hold-reap": ScheduleTick;
}

/** A schedule's job carries nothing: the queue names the schedule. */
export type ScheduleTick = Record<string, never>;

export type PushChannelTask =
  /** Make sure every conflict-checked calendar of the integration has a live channel. */
  | { action: "open"; integrationId: string }
  /** Extend (or replace) one channel now: Graph asked for reauthorization. */
  | { action: "renew"; channelRowId: string }
  /** The provider dropped the channel: forget it and open a new one. */
  | { action: "replace"; channelRowId: string }
  /** A verified push for a channel we no longer track: stop it at the provider. */
  | { action: "stop_orphan"; provider: string; integrationId: string; channelId: string; providerChannelId: string };

export type QueueName = keyof JobMessages;

/**
 * The app's port to background work (implemented over pg-boss in src/jobs):
 * use cases queue jobs and take singleton locks without knowing pg-boss.
 */
export interface JobQueue {
  /**
   * Queues a job; `id` names it, so a resend of the same id is not a second
   * job. `startAfter` holds it until then. With `coalesceKey`, a job of the same queue and key still waiting
   * absorbs this one (answered false); `delayMs` holds the job back so a
   * burst lands in it.
   */
  send<Q extends QueueName>(queue: Q, data: JobMessages[Q], options?: SendOptions): Promise<boolean>;
  /**
   * True when the queue no longer holds the job as waiting or running, i.e.
   * the worker that took it is gone (its process died or the job expired);
   * false while it is live or when the queue does not know it.
   */
  isAbandoned(queue: QueueName, id: string): Promise<boolean>;
  /**
   * Runs work holding the locks named by keys, across every server instance
   * (later callers wait their turn). Give every lock a piece of work needs in
   * one call: the keys are taken together, in one order; nesting calls can
   * deadlock.
   */
  exclusive<T>(keys: string | readonly string[], work: () => Promise<T>): Promise<T>;
}

/** The app's port to operational metrics (implemented with prom-client in src/observability). */
export interface AppMetrics {
  /** One integration's part of a sync job ended. */
  syncFinished(provider: string, outcome: "succeeded" | "failed", seconds: number): void;
}

export interface SendOptions {
  id?: string;
  coalesceKey?: string;
  delayMs?: number;
  startAfter?: Date;
}

/** The parts of Config the use cases read. */
export interface AppSettings {
  /** Where providers send the user back after an OAuth consent. */
  oauthRedirectUri: string;
  /** Rows per re-encryption job after a key rotation (one transaction each). */
  reencryptBatchSize: number;
  /** How long a booking, update or cancel waits for its calendar write after commit; 0 leaves it all to the worker. */
  fastPathBudgetMs: number;
  /** Where customer notifications are POSTed; undefined records them as not sent. */
  notificationServiceUrl: string | undefined;
  notificationServiceKey: string | undefined;
  /** How long a claimed outbox row is someone's before another worker may take it over. */
  outboxClaimMs: number;
  outboxRetry: RetryLimits;
  /** Provider writes per second per account (Google user, Graph mailbox, iCloud account), across instances. */
  outboundWritesPerSecond: Record<string, number>;
  /** A sync may cancel at most this share (0-1) of a tenant's future appointments at once... */
  massDeleteShare: number;
  /** ...and the guard only looks at syncs that would cancel at least this many. */
  massDeleteMinimum: number;
  /** Where providers reach this service from outside (push notifications). */
  publicBaseUrl: string;
  /** How long a push-triggered sync waits for more pushes of the same integration. */
  syncCoalesceMs: number;
  /** Channels expiring sooner than this are renewed. */
  channelRenewBeforeMs: number;
  /** How long CheckAvailability/CreateAppointment wait for a freshness sync before answering from the mirror. */
  freshnessBudgetMs: number;
  /** Interval of each schedule (a second firing inside half of it is skipped). */
  scheduleIntervalsMs: Record<ScheduleName, number>;
  retention: RetentionSettings;
}

export type ScheduleName = Extract<QueueName, `schedule-${string}`>;

export interface RetentionSettings {
  syncJobsDays: number;
  idempotencyDays: number;
  outboxDays: number;
}

/**
 * Everything a use case may use, built once in src/wiring.ts. Every use case
 * is `(ctx, caller, input)` and forks its own unit of work from ctx.orm; RPC
 * handlers and job workers call the same ones.
 */
export interface AppContext {
  orm: MikroORM;
  /** The hot paths' named prepared statements (see src/db/sql-pool.ts). */
  sql: SqlPool;
  /** This instance's parsed rules per tenant, confirmed by version on every use. */
  schedulingRules: SchedulingRulesCache;
  clock: Clock;
  logger: Logger;
  cipher: TokenCipher;
  /** Tenants' customer-data keys (envelope encryption, cached). */
  customerKeys: TenantKeyRing;
  providers: ProviderRegistry;
  /** Decrypted, refreshed credentials for one provider call at a time. */
  credentials: IntegrationCredentials;
  /** The one retry policy for provider calls. */
  providerRetry: RetryPolicy;
  /** Providers' request budgets (per integration; calendar writes per provider account), shared by every instance. */
  outboundRateLimit: OutboundRateLimiter;
  jobs: JobQueue;
  metrics: AppMetrics;
  settings: AppSettings;
}
