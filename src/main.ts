import { readConfigOrExit } from "./config-or-exit.js";
import { usesDevelopmentSecrets } from "./config.js";
import { createLogger } from "./logger.js";
import { startIdleMemoryRelease } from "./native/idle-memory-release.js";
import { startTracingFromEnv } from "./observability/tracing-from-env.js";
import { startService } from "./service.js";

const startedAt = performance.now();
const tracing = await startTracingFromEnv();
const config = readConfigOrExit();
const logger = createLogger(config.logLevel);
if (usesDevelopmentSecrets()) {
  logger.warn(
    "INTERNAL_SERVICE_KEY, JWT_SECRET, TOKEN_ENCRYPTION_KEY or CUSTOMER_DATA_MASTER_KEY unset: using development defaults (never in production)",
  );
}

const service = await startService({ config, logger, ...(tracing ? { tracer: tracing.tracer } : {}) });
logger.info(
  { port: service.port, startupMs: Math.round(performance.now() - startedAt) },
  "universal-calendar listening",
);

// The process's own memory, so here and not in startService (tests run several services in one process).
const stopIdleMemoryRelease = startIdleMemoryRelease({
  windowMs: 5_000,
  onRelease: (before, after) =>
    logger.debug(
      { rssBeforeMb: Math.round(before / 1048576), rssAfterMb: Math.round(after / 1048576) },
      "idle: freed C heap pages returned",
    ),
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  stopIdleMemoryRelease();
  logger.info({ signal }, "shutting down: finishing in-flight calls");
  await service.stop();
  // A collector that cannot be reached loses the last spans; it must not turn a clean stop into a crash.
  await tracing?.shutdown().catch((error: unknown) => logger.warn({ err: error }, "flushing traces failed"));
  logger.info("stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
