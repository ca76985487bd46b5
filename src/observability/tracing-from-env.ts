import type { Tracing } from "./tracing.js";

/**
 * Starts tracing only when OTEL_EXPORTER_OTLP_ENDPOINT (or its traces-only
 * variant) is set. Otherwise the OpenTelemetry SDK is never even loaded: no
 * instrumentation patches anything and the RPC path opens no span.
 */
export async function startTracingFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return undefined;
  const { startTracing } = await import("./tracing.js");
  return startTracing();
}
