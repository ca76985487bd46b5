import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
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

/**
 * Counts and times every RPC by method and final code. Outermost, so it sees the
 * code the caller gets. A rate-limit refusal is the one resource_exhausted that
 * carries Retry-After (an oversized message is resource_exhausted without it).
 */
export function createRpcMetricsInterceptor(metrics: RpcMetrics): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    const method = `${req.service.name}/${req.method.name}`;
    try {
      const res = await next(req);
      metrics.rpcFinished(method, "ok", (performance.now() - started) / 1000);
      return res;
    } catch (error) {
      const code = error instanceof ConnectError ? error.code : Code.Unknown;
      metrics.rpcFinished(method, CODE_NAMES.get(code) ?? "unknown", (performance.now() - started) / 1000);
      if (code === Code.ResourceExhausted && error instanceof ConnectError && error.metadata.has("retry-after")) {
        metrics.rateLimitRefused(req.contextValues.get(callerKey)?.kind ?? "anonymous");
      }
      throw error;
    }
  };
}
