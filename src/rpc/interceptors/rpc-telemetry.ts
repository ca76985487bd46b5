import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import {
  type Context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
} from "@opentelemetry/api";
import { callerKey } from "../../auth/caller-context.js";

/** What the RPC layer reports; implemented over prom-client in src/observability/service-metrics.ts. */
export interface RpcMetrics {
  rpcFinished(method: string, code: string, seconds: number): void;
  rateLimitRefused(caller: string): void;
}

/** Connect's code names as they appear on the wire ("invalid_argument"), computed once. */
const CODE_NAMES = new Map<Code, string>(
  Object.values(Code)
    .filter((value): value is Code => typeof value === "number")
    .map((code) => [code, Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase()]),
);

/** Codes that mean the server failed (OpenTelemetry's RPC conventions); the rest are the caller's doing. */
const SERVER_FAULTS = new Set([
  Code.Unknown,
  Code.DeadlineExceeded,
  Code.Unimplemented,
  Code.Internal,
  Code.Unavailable,
  Code.DataLoss,
]);

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/**
 * Counts and times every RPC by method and final code, and (when tracing is on)
 * runs it inside a server span continuing the caller's W3C trace context, so the
 * database and provider calls it makes become child spans. Outermost, so it sees
 * the code the caller gets. A rate-limit refusal is the one resource_exhausted that
 * carries Retry-After (an oversized message is resource_exhausted without it).
 */
export function createRpcTelemetryInterceptor(metrics: RpcMetrics, tracer?: Tracer): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    const method = `${req.service.name}/${req.method.name}`;
    const finish = (code: Code | undefined, span: Span | undefined, error?: unknown) => {
      const codeName = code === undefined ? "ok" : (CODE_NAMES.get(code) ?? "unknown");
      metrics.rpcFinished(method, codeName, (performance.now() - started) / 1000);
      if (code === Code.ResourceExhausted && error instanceof ConnectError && error.metadata.has("retry-after")) {
        metrics.rateLimitRefused(req.contextValues.get(callerKey)?.kind ?? "anonymous");
      }
      if (!span) return;
      span.setAttribute("rpc.connect_rpc.error_code", codeName);
      if (code !== undefined && SERVER_FAULTS.has(code))
        span.setStatus({ code: SpanStatusCode.ERROR, message: codeName });
      span.end();
    };
    const run = async (span: Span | undefined) => {
      try {
        const res = await next(req);
        finish(undefined, span);
        return res;
      } catch (error) {
        finish(error instanceof ConnectError ? error.code : Code.Unknown, span, error);
        throw error;
      }
    };
    if (!tracer) return run(undefined);
    const parent: Context = propagation.extract(ROOT_CONTEXT, req.header, headerGetter);
    return tracer.startActiveSpan(
      `${req.service.typeName}/${req.method.name}`,
      {
        kind: SpanKind.SERVER,
        attributes: { "rpc.system": "connect_rpc", "rpc.service": req.service.typeName, "rpc.method": req.method.name },
      },
      parent,
      run,
    );
  };
}
