import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

const valid = {
  NODE_ENV: "production",
  INTERNAL_SERVICE_KEY: "k".repeat(20),
  JWT_SECRET: "s".repeat(40),
  TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString("base64"),
  CUSTOMER_DATA_MASTER_KEY: Buffer.alloc(32, 2).toString("base64"),
};

describe("loadConfig", () => {
  it("reads a valid production environment with defaults for the rest", () => {
    const config = loadConfig(valid);
    expect(config.port).toBe(3901);
    expect(config.corsOrigins).toBe("*");
    expect(config.google.calendarApiBaseUrl).toBe("https://www.googleapis.com");
    expect(config.tokenEncryptionKey).toHaveLength(32);
    expect(config.customerDataMasterKeys).toEqual({ current: "local-1", keys: { "local-1": Buffer.alloc(32, 2) } });
  });

  it("keeps retired customer-data master keys for unwrapping", () => {
    const config = loadConfig({
      ...valid,
      CUSTOMER_DATA_MASTER_KEY_ID: "local-2",
      CUSTOMER_DATA_PREVIOUS_MASTER_KEYS: `local-1:${Buffer.alloc(32, 5).toString("base64")}`,
    });
    expect(Object.keys(config.customerDataMasterKeys.keys).sort()).toEqual(["local-1", "local-2"]);
    expect(config.customerDataMasterKeys.current).toBe("local-2");
  });

  it.each([
    [{ INTERNAL_SERVICE_KEY: "" }, "INTERNAL_SERVICE_KEY is required"],
    [{ JWT_SECRET: "short" }, "JWT_SECRET must be at least 32 characters"],
    [{ TOKEN_ENCRYPTION_KEY: "dG9vIHNob3J0" }, "TOKEN_ENCRYPTION_KEY must be 32 bytes"],
    [{ CUSTOMER_DATA_MASTER_KEY: "" }, "CUSTOMER_DATA_MASTER_KEY is required"],
    [{ CUSTOMER_DATA_MASTER_KEY: "dG9vIHNob3J0" }, "CUSTOMER_DATA_MASTER_KEY must be 32 bytes"],
    [{ CUSTOMER_DATA_MASTER_KEY_ID: "bad id!" }, "CUSTOMER_DATA_MASTER_KEY_ID must be"],
    [{ CUSTOMER_DATA_PREVIOUS_MASTER_KEYS: "local-1:short" }, "CUSTOMER_DATA_PREVIOUS_MASTER_KEYS must be"],
    [{ PORT: "70000" }, "PORT must be an integer from 0 to 65535"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL must be a postgres"],
    [{ GOOGLE_CALENDAR_API_BASE_URL: "not a url" }, "GOOGLE_CALENDAR_API_BASE_URL must be an absolute URL"],
    [{ CORS_ORIGIN: "http://a.test/path" }, "CORS_ORIGIN must be"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL must be one of"],
    [{ RATE_LIMIT_MAX_REQUESTS: "0" }, "RATE_LIMIT_MAX_REQUESTS must be an integer"],
    [{ RATE_LIMIT_SERVICE_KEY_MAX_REQUESTS: "many" }, "RATE_LIMIT_SERVICE_KEY_MAX_REQUESTS must be an integer"],
  ])("stops on %o naming the variable", (override, message) => {
    expect(() => loadConfig({ ...valid, ...override })).toThrow(ConfigError);
    expect(() => loadConfig({ ...valid, ...override })).toThrow(message);
  });

  it("uses development secrets only outside production", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/is required/);
    expect(loadConfig({}).internalServiceKey).toBeTruthy();
  });

  it("parses an origin list", () => {
    expect(loadConfig({ ...valid, CORS_ORIGIN: "http://a.test, https://b.test" }).corsOrigins).toEqual([
      "http://a.test",
      "https://b.test",
    ]);
  });
});
