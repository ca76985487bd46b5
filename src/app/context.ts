import type { RetryPolicy } from "cockatiel";
import type { TokenCipher } from "../crypto/token-cipher.js";
import type { MikroORM } from "../db/orm.js";
import type { Clock } from "../domain/clock.js";
import type { Logger } from "../logger.js";
import type { ProviderRegistry } from "../providers/registry.js";
import type { TenantKeyRing } from "./customer-data/tenant-key-ring.js";
import type { IntegrationCredentials } from "./integrations/integration-credentials.js";

/** Every queue and the payload its jobs carry; src/jobs maps each to the use case that runs it. */
export interface JobMessages {
  "calendar-sync": { syncJobId: string };
  /** One batch of re-encrypting a tenant's customer data under key version toVersion. */
  "customer-data-reencrypt": { tenantId: string; toVersion: number };
}

export type QueueName = keyof JobMessages;

/**
 * The app's port to background work (implemented over pg-boss in src/jobs):
 * use cases queue jobs and take singleton locks without knowing pg-boss.
 */
export interface JobQueue {
  /** Queues a job; `id` names it, so a resend of the same id is not a second job. */
  send<Q extends QueueName>(queue: Q, data: JobMessages[Q], options?: { id?: string }): Promise<void>;
  /**
   * True when the queue no longer holds the job as waiting or running, i.e.
   * the worker that took it is gone (its process died or the job expired);
   * false while it is live or when the queue does not know it.
   */
  isAbandoned(queue: QueueName, id: string): Promise<boolean>;
  /** Runs work holding the lock named key, across every server instance (later callers wait their turn). */
  exclusive<T>(key: string, work: () => Promise<T>): Promise<T>;
}

/** The parts of Config the use cases read. */
export interface AppSettings {
  /** Where providers send the user back after an OAuth consent. */
  oauthRedirectUri: string;
  /** Rows per re-encryption job after a key rotation (one transaction each). */
  reencryptBatchSize: number;
}

/**
 * Everything a use case may use, built once in src/wiring.ts. Every use case
 * is `(ctx, caller, input)` and forks its own unit of work from ctx.orm; RPC
 * handlers and job workers call the same ones.
 */
export interface AppContext {
  orm: MikroORM;
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
  jobs: JobQueue;
  settings: AppSettings;
}
