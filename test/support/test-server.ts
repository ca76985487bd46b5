import { randomUUID } from "node:crypto";
import type { Tracer } from "@opentelemetry/api";
import { SignJWT } from "jose";
import { inject } from "vitest";
import { DatabaseHealth } from "../../src/db/database-health.js";
import { loadConfig, type Config } from "../../src/config.js";
import { systemClock, type Clock } from "../../src/domain/clock.js";
import { openDatabase, type MikroORM } from "../../src/db/orm.js";
import { createLogger, type Logger } from "../../src/logger.js";
import type { AppContext } from "../../src/app/context.js";
import type { RetrySettings } from "../../src/app/integrations/provider-retry-policy.js";
import type { ProviderRegistry } from "../../src/providers/registry.js";
import { startServer, type RunningServer } from "../../src/server.js";
import { wireApplication } from "../../src/wiring.js";

export const TEST_SERVICE_KEY = "test-service-key-0123456789";
export const TEST_JWT_SECRET = "test-jwt-secret-0123456789abcdef0123456789";

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: "test",
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
    INTERNAL_SERVICE_KEY: TEST_SERVICE_KEY,
    JWT_SECRET: TEST_JWT_SECRET,
    TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString("base64"),
    CORS_ORIGIN: "http://app.example.test",
    ...overrides,
  });
}

export interface TestServer {
  baseUrl: string;
  port: number;
  orm: MikroORM;
  config: Config;
  server: RunningServer;
  /** The AppContext the server's handlers and job workers run on. */
  app: AppContext;
  close(): Promise<void>;
}

/** A real listening server on a random port, on the run's test database. */
export async function startTestServer(
  options: {
    env?: Record<string, string>;
    databaseUrl?: string;
    logger?: Logger;
    clock?: Clock;
    /** Provider-call retry policy; tests shorten the backoff. */
    retrySettings?: RetrySettings;
    /** Replaces the providers built from config. */
    providers?: ProviderRegistry;
    /** Serves the browser console built into this directory. */
    consoleDir?: string;
    /** Runs every RPC in a span of this tracer. */
    tracer?: Tracer;
    /** pg-boss schema; servers given the same one share their queues (default: a fresh one each). */
    queueSchema?: string;
    /** Register the recurring jobs (default false: tests drive schedules themselves). */
    runSchedules?: boolean;
  } = {},
): Promise<TestServer> {
  const config = testConfig(options.env);
  const logger = options.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? "silent");
  const orm = await openDatabase(options.databaseUrl ?? inject("databaseUrl"));
  const clock = options.clock ?? systemClock;
  // The same wiring as main.ts; its own pg-boss schema: servers of parallel test files share the database but not their jobs.
  const application = await wireApplication({
    orm,
    config,
    logger,
    clock,
    queueSchema: options.queueSchema ?? `pgboss_${randomUUID().replace(/-/g, "").slice(0, 12)}`,
    runSchedules: options.runSchedules ?? false,
    retrySettings: options.retrySettings ?? { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 5_000 },
    ...(options.providers ? { providers: options.providers } : {}),
  });
  const server = await startServer({
    app: application.ctx,
    config,
    logger,
    databaseHealth: new DatabaseHealth(orm),
    metrics: application.metrics,
    ...(options.tracer ? { tracer: options.tracer } : {}),
    ...(options.consoleDir ? { consoleDir: options.consoleDir } : {}),
  });
  return {
    baseUrl: `http://127.0.0.1:${server.port}`,
    port: server.port,
    orm,
    config,
    server,
    app: application.ctx,
    async close() {
      await server.close(2_000);
      await application.stop();
      await orm.close();
    },
  };
}

/** A fresh tenant id, so tests never see each other's rows. */
export function newTenantId(): string {
  return `tenant-${randomUUID()}`;
}

export async function mintJwt(
  tenantId: string,
  options: { expiresIn?: string | number; secret?: string; subject?: string } = {},
): Promise<string> {
  return new SignJWT({ tenantId })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(options.subject ?? `user-of-${tenantId}`)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? "1h")
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}
