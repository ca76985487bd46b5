import { trace, type Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { sqlWithoutLiterals } from "./sql-without-literals.js";
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";

export interface Tracing {
  tracer: Tracer;
  /** Flushes spans still buffered, then stops exporting. */
  shutdown(): Promise<void>;
}

/**
 * OpenTelemetry for this process: a span per RPC (the RPC interceptor opens it),
 * per database query inside one (pg), and per outgoing HTTP call (undici for
 * fetch, node:http for node-fetch users such as googleapis). Exports over OTLP as
 * the standard OTEL_EXPORTER_OTLP_* variables say, or to the exporter given (tests).
 */
export function startTracing(options: { exporter?: SpanExporter } = {}): Tracing {
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? "universal-calendar",
    spanProcessors: [
      options.exporter ? new SimpleSpanProcessor(options.exporter) : new BatchSpanProcessor(new OTLPTraceExporter()),
    ],
    instrumentations: [
      // Only queries inside a traced unit of work: pg-boss polls on its own every half second.
      new PgInstrumentation({
        requireParentSpan: true,
        enhancedDatabaseReporting: false,
        requestHook: (span, { query }) => {
          if (query.text) span.setAttribute("db.query.text", sqlWithoutLiterals(query.text));
        },
      }),
      new UndiciInstrumentation({ requireParentforSpans: true }),
      new HttpInstrumentation({
        requireParentforOutgoingSpans: true,
        // Inbound calls are traced by the RPC interceptor; probes and scrapes are not worth a trace.
        disableIncomingRequestInstrumentation: true,
      }),
    ],
  });
  sdk.start();
  return { tracer: trace.getTracer("universal-calendar"), shutdown: () => sdk.shutdown() };
}
