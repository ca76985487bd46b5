import { Buffer } from "node:buffer";
import { hkdfSync } from "node:crypto";

/** Every environment variable the service reads, parsed and validated once at start. */
export interface Config {
  production: boolean;
  port: number;
  host: string;
  logLevel: string;
  /** Unset: an embedded PostgreSQL under embeddedDataDir is started. */
  databaseUrl: string | undefined;
  embeddedDataDir: string;
  internalServiceKey: string;
  jwtSecret: string;
  /** 32 raw bytes; per-tenant keys are derived from it. */
  tokenEncryptionKey: Buffer;
  /** The version new ciphertexts are written under (their "v<N>:" prefix). */
  tokenEncryptionKeyVersion: string;
  /** Retired master keys by version, still accepted for reading during a rotation. */
  tokenEncryptionPreviousKeys: Record<string, Buffer>;
  /**
   * Master keys that wrap tenants' customer-data keys, by id: `current` wraps
   * new data keys, every key in `keys` still unwraps the ones it wrapped.
   */
  customerDataMasterKeys: { current: string; keys: Record<string, Buffer> };
  /** "*" or an exact list of origins allowed to call from a browser. */
  corsOrigins: "*" | string[];
  /** Per tenant for JWT callers; per service key and tenant addressed for service-key callers. */
  rateLimit: { windowMs: number; maxRequests: number; serviceKeyMaxRequests: number };
  /** Unary gRPC (binary) on the lean path (src/rpc/grpc-unary/); off: connect serves it too. */
  leanGrpc: boolean;
  oauthRedirectUri: string;
  publicBaseUrl: string;
  google: {
    clientId: string;
    clientSecret: string;
    authorizeUrl: string;
    tokenUrl: string;
    calendarApiBaseUrl: string;
    revokeUrl: string;
  };
  microsoft: {
    clientId: string;
    clientSecret: string;
    oauthBaseUrl: string;
    graphBaseUrl: string;
  };
  appleCaldavUrl: string;
  /** Every provider HTTP request gives up after this long (a transient failure: retried with backoff). */
  providerRequestTimeoutMs: number;
  jobber: {
    clientId: string;
    clientSecret: string;
    apiBaseUrl: string;
    oauthBaseUrl: string;
    webhookSecret: string;
  };
  housecallPro: {
    apiBaseUrl: string;
    webhookSecret: string;
  };
  /** Push notifications, schedules and freshness (issue 11). */
  realtime: RealtimeConfig;
  /** Each push channel's secret (Google channel token, Graph clientState) is derived from it. */
  calendarWebhookSecret: string;
  /** Outbox delivery and two-way sync (docs/configuration.md). */
  twoWaySync: {
    fastPathBudgetMs: number;
    notificationServiceUrl: string | undefined;
    notificationServiceKey: string | undefined;
    outboxClaimMs: number;
    outboxMaxAttempts: number;
    outboxRetryBaseDelayMs: number;
    outboundWritesPerSecond: { google: number; microsoft: number; apple: number };
    massDeletePercent: number;
    massDeleteMinimum: number;
  };
}

export interface RealtimeConfig {
  syncCoalesceMs: number;
  channelRenewBeforeMs: number;
  freshnessBudgetMs: number;
  /** Minutes between runs of each schedule; each divides an hour or a day evenly, or is a week (10080). */
  scheduleMinutes: {
    backstopSync: number;
    caldavPoll: number;
    fullSync: number;
    channelRenewal: number;
    tokenRefresh: number;
    prune: number;
    holdReap: number;
  };
  retention: { syncJobsDays: number; idempotencyDays: number; outboxDays: number };
}

/** Intervals a cron expression repeats evenly: divisors of an hour, of a day, and a week. */
export function isEvenInterval(minutes: number): boolean {
  if (minutes < 60) return 60 % minutes === 0;
  return (minutes % 60 === 0 && 1440 % minutes === 0) || minutes === 10_080;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

type Env = Record<string, string | undefined>;

/** Known, loudly insecure values so `npm start` works on a fresh machine outside production. */
const DEVELOPMENT_DEFAULTS: Env = {
  INTERNAL_SERVICE_KEY: "dev-service-key-change-me",
  JWT_SECRET: "dev-jwt-secret-change-me-0123456789abcdef",
  TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
  CUSTOMER_DATA_MASTER_KEY: Buffer.alloc(32, 8).toString("base64"),
};

export function loadConfig(env: Env = process.env): Config {
  const production = env.NODE_ENV === "production";
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    if (value) return value;
    return production ? undefined : DEVELOPMENT_DEFAULTS[name];
  };
  const required = (name: string): string => {
    const value = read(name);
    if (!value) throw new ConfigError(`${name} is required`);
    return value;
  };
  const optional = (name: string, fallback: string): string => read(name) ?? fallback;
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };
  const url = (name: string, fallback: string): string => {
    const value = optional(name, fallback);
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new ConfigError(`${name} must be an absolute URL, got "${value}"`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new ConfigError(`${name} must be an http(s) URL, got "${value}"`);
    }
    return value.replace(/\/+$/, "");
  };
  const secret = (name: string, minLength: number): string => {
    const value = required(name);
    if (value.length < minLength) {
      throw new ConfigError(`${name} must be at least ${minLength} characters`);
    }
    return value;
  };

  const databaseUrl = read("DATABASE_URL");
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError("DATABASE_URL must be a postgres:// or postgresql:// URL");
  }

  const tokenEncryptionKey = Buffer.from(required("TOKEN_ENCRYPTION_KEY"), "base64");
  if (tokenEncryptionKey.length !== 32) {
    throw new ConfigError("TOKEN_ENCRYPTION_KEY must be 32 bytes encoded as base64");
  }

  const tokenEncryptionKeyVersion = optional("TOKEN_ENCRYPTION_KEY_VERSION", "v1");
  if (!/^v[0-9]+$/.test(tokenEncryptionKeyVersion)) {
    throw new ConfigError(
      `TOKEN_ENCRYPTION_KEY_VERSION must look like v1, v2, ..., got "${tokenEncryptionKeyVersion}"`,
    );
  }
  const tokenEncryptionPreviousKeys: Record<string, Buffer> = {};
  for (const entry of optional("TOKEN_ENCRYPTION_PREVIOUS_KEYS", "")
    .split(",")
    .filter((e) => e.trim())) {
    const [version, encoded] = entry.trim().split(":", 2);
    const key = Buffer.from(encoded ?? "", "base64");
    if (!version || !/^v[0-9]+$/.test(version) || version === tokenEncryptionKeyVersion || key.length !== 32) {
      throw new ConfigError(
        "TOKEN_ENCRYPTION_PREVIOUS_KEYS must be a comma-separated list of <version>:<32 bytes base64>, " +
          "versions like v1 and different from TOKEN_ENCRYPTION_KEY_VERSION",
      );
    }
    tokenEncryptionPreviousKeys[version] = key;
  }

  const masterKeyId = optional("CUSTOMER_DATA_MASTER_KEY_ID", "local-1");
  const masterKeyIdPattern = /^[A-Za-z0-9._-]{1,64}$/;
  if (!masterKeyIdPattern.test(masterKeyId)) {
    throw new ConfigError(`CUSTOMER_DATA_MASTER_KEY_ID must be 1-64 of A-Z a-z 0-9 . _ -, got "${masterKeyId}"`);
  }
  const customerDataMasterKeys: Record<string, Buffer> = {};
  for (const entry of optional("CUSTOMER_DATA_PREVIOUS_MASTER_KEYS", "")
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const separator = entry.indexOf(":");
    const id = entry.slice(0, separator);
    const key = Buffer.from(entry.slice(separator + 1), "base64");
    if (separator < 1 || !masterKeyIdPattern.test(id) || id === masterKeyId || key.length !== 32) {
      throw new ConfigError(
        "CUSTOMER_DATA_PREVIOUS_MASTER_KEYS must be a comma-separated list of <id>:<32 bytes base64>, " +
          "ids different from CUSTOMER_DATA_MASTER_KEY_ID",
      );
    }
    customerDataMasterKeys[id] = key;
  }
  const customerDataMasterKey = Buffer.from(required("CUSTOMER_DATA_MASTER_KEY"), "base64");
  if (customerDataMasterKey.length !== 32) {
    throw new ConfigError("CUSTOMER_DATA_MASTER_KEY must be 32 bytes encoded as base64");
  }
  customerDataMasterKeys[masterKeyId] = customerDataMasterKey;

  const corsRaw = optional("CORS_ORIGIN", "*");
  const corsOrigins =
    corsRaw === "*"
      ? ("*" as const)
      : corsRaw.split(",").map((origin) => {
          const trimmed = origin.trim();
          if (!/^https?:\/\/[^/]+$/.test(trimmed)) {
            throw new ConfigError(`CORS_ORIGIN must be "*" or a comma-separated list of origins, got "${trimmed}"`);
          }
          return trimmed;
        });

  const logLevel = optional("LOG_LEVEL", "info");
  if (!["fatal", "error", "warn", "info", "debug", "trace", "silent"].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "${logLevel}"`);
  }

  const scheduleMinutes = (name: string, fallback: number): number => {
    const value = integer(name, fallback, 1, 10_080);
    if (!isEvenInterval(value)) {
      throw new ConfigError(
        `${name} must divide an hour or a day evenly (e.g. 2, 15, 60, 360, 1440) or be 10080, got ${value}`,
      );
    }
    return value;
  };

  const leanGrpcRaw = optional("LEAN_GRPC", "on");
  if (leanGrpcRaw !== "on" && leanGrpcRaw !== "off") {
    throw new ConfigError(`LEAN_GRPC must be "on" or "off", got "${leanGrpcRaw}"`);
  }

  const port = integer("PORT", 3901, 0, 65535);
  const publicBaseUrl = url("PUBLIC_BASE_URL", `http://localhost:${port}`);

  return {
    production,
    port,
    host: optional("HOST", "0.0.0.0"),
    logLevel,
    databaseUrl,
    embeddedDataDir: optional("EMBEDDED_PG_DIR", ".data/postgres"),
    internalServiceKey: secret("INTERNAL_SERVICE_KEY", 16),
    jwtSecret: secret("JWT_SECRET", 32),
    tokenEncryptionKey,
    tokenEncryptionKeyVersion,
    tokenEncryptionPreviousKeys,
    customerDataMasterKeys: { current: masterKeyId, keys: customerDataMasterKeys },
    corsOrigins,
    rateLimit: {
      windowMs: integer("RATE_LIMIT_WINDOW_MS", 60_000, 1_000, 3_600_000),
      maxRequests: integer("RATE_LIMIT_MAX_REQUESTS", 600, 1, 1_000_000),
      serviceKeyMaxRequests: integer("RATE_LIMIT_SERVICE_KEY_MAX_REQUESTS", 6_000, 1, 10_000_000),
    },
    leanGrpc: leanGrpcRaw === "on",
    oauthRedirectUri: url("OAUTH_REDIRECT_URI", `${publicBaseUrl}/oauth/callback`),
    publicBaseUrl,
    google: {
      clientId: optional("GOOGLE_CLIENT_ID", ""),
      clientSecret: optional("GOOGLE_CLIENT_SECRET", ""),
      authorizeUrl: url("GOOGLE_OAUTH_AUTHORIZE_URL", "https://accounts.google.com/o/oauth2/v2/auth"),
      tokenUrl: url("GOOGLE_OAUTH_TOKEN_URL", "https://oauth2.googleapis.com/token"),
      calendarApiBaseUrl: url("GOOGLE_CALENDAR_API_BASE_URL", "https://www.googleapis.com"),
      revokeUrl: url("GOOGLE_OAUTH_REVOKE_URL", "https://oauth2.googleapis.com/revoke"),
    },
    microsoft: {
      clientId: optional("MICROSOFT_CLIENT_ID", ""),
      clientSecret: optional("MICROSOFT_CLIENT_SECRET", ""),
      oauthBaseUrl: url("MICROSOFT_OAUTH_BASE_URL", "https://login.microsoftonline.com/common"),
      graphBaseUrl: url("MICROSOFT_GRAPH_BASE_URL", "https://graph.microsoft.com"),
    },
    appleCaldavUrl: url("APPLE_CALDAV_URL", "https://caldav.icloud.com"),
    providerRequestTimeoutMs: integer("PROVIDER_REQUEST_TIMEOUT_MS", 30_000, 50, 300_000),
    jobber: {
      clientId: optional("JOBBER_CLIENT_ID", ""),
      clientSecret: optional("JOBBER_CLIENT_SECRET", ""),
      apiBaseUrl: url("JOBBER_API_BASE_URL", "https://api.getjobber.com/api/graphql"),
      oauthBaseUrl: url("JOBBER_OAUTH_BASE_URL", "https://api.getjobber.com/api/oauth"),
      webhookSecret: optional("JOBBER_WEBHOOK_SECRET", ""),
    },
    housecallPro: {
      apiBaseUrl: url("HOUSECALLPRO_API_BASE_URL", "https://api.housecallpro.com"),
      webhookSecret: optional("HOUSECALLPRO_WEBHOOK_SECRET", ""),
    },
    realtime: {
      syncCoalesceMs: integer("WEBHOOK_SYNC_DELAY_MS", 250, 0, 60_000),
      channelRenewBeforeMs: integer("CHANNEL_RENEW_BEFORE_HOURS", 24, 1, 144) * 3_600_000,
      freshnessBudgetMs: integer("FRESHNESS_BUDGET_MS", 1_500, 0, 30_000),
      scheduleMinutes: {
        backstopSync: scheduleMinutes("SYNC_BACKSTOP_INTERVAL_MINUTES", 15),
        caldavPoll: scheduleMinutes("CALDAV_POLL_INTERVAL_MINUTES", 2),
        fullSync: scheduleMinutes("FULL_SYNC_INTERVAL_MINUTES", 10_080),
        channelRenewal: scheduleMinutes("CHANNEL_RENEWAL_INTERVAL_MINUTES", 30),
        tokenRefresh: scheduleMinutes("TOKEN_REFRESH_INTERVAL_MINUTES", 10),
        prune: scheduleMinutes("PRUNE_INTERVAL_MINUTES", 1_440),
        holdReap: scheduleMinutes("HOLD_REAP_INTERVAL_MINUTES", 5),
      },
      retention: {
        syncJobsDays: integer("SYNC_JOB_RETENTION_DAYS", 30, 1, 3_650),
        idempotencyDays: integer("IDEMPOTENCY_RETENTION_DAYS", 7, 1, 3_650),
        outboxDays: integer("OUTBOX_RETENTION_DAYS", 7, 1, 3_650),
      },
    },
    // Unset: derived from the token key, so push channels work without one more secret to manage.
    calendarWebhookSecret:
      read("CALENDAR_WEBHOOK_SECRET") ??
      Buffer.from(hkdfSync("sha256", tokenEncryptionKey, "", "calendar-webhook-secret", 32)).toString("base64url"),
    twoWaySync: {
      fastPathBudgetMs: integer("FAST_PATH_BUDGET_MS", 1_500, 0, 30_000),
      notificationServiceUrl: read("AS_CONNECTION_SERVICE_URL")
        ? url("AS_CONNECTION_SERVICE_URL", "http://unused")
        : undefined,
      notificationServiceKey: read("AS_CONNECTION_SERVICE_KEY"),
      outboxClaimMs: integer("OUTBOX_CLAIM_SECONDS", 120, 1, 3_600) * 1000,
      outboxMaxAttempts: integer("OUTBOX_MAX_ATTEMPTS", 10, 1, 100),
      outboxRetryBaseDelayMs: integer("OUTBOX_RETRY_BASE_DELAY_MS", 1_000, 1, 600_000),
      outboundWritesPerSecond: {
        google: integer("GOOGLE_WRITES_PER_SECOND_PER_USER", 5, 1, 1_000),
        microsoft: integer("MICROSOFT_WRITES_PER_SECOND_PER_MAILBOX", 4, 1, 1_000),
        apple: integer("APPLE_WRITES_PER_SECOND_PER_ACCOUNT", 5, 1, 1_000),
      },
      massDeletePercent: integer("MASS_DELETE_GUARD_PERCENT", 50, 1, 100),
      massDeleteMinimum: integer("MASS_DELETE_GUARD_MINIMUM", 3, 1, 10_000),
    },
  };
}

/** True when a secret still has its development default, so start-up can warn. */
export function usesDevelopmentSecrets(env: Env = process.env): boolean {
  return Object.keys(DEVELOPMENT_DEFAULTS).some((name) => !env[name]?.trim());
}
