import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { callerKey } from "../../auth/caller-context.js";
import type { Logger } from "../../logger.js";

function tenantOf(message: unknown, fromCaller: string | undefined): string | undefined {
  if (fromCaller) return fromCaller;
  const tenantId = (message as { tenantId?: unknown } | undefined)?.tenantId;
  return typeof tenantId === "string" && tenantId ? tenantId : undefined;
}

/** One line per RPC: method, code, duration and tenant; never the request body. */
export function createLoggingInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    const log = (code: Code | undefined) => {
      const level = code === Code.Internal || code === Code.Unknown ? "error" : "info";
      // Nothing to build when the level is off (production benches run at warn).
      if (!logger.isLevelEnabled(level)) return;
      const method = `${req.service.typeName}/${req.method.name}`;
      const caller = req.contextValues.get(callerKey);
      const tenant = tenantOf(
        req.stream ? undefined : req.message,
        caller?.kind === "tenant" ? caller.tenantId : undefined,
      );
      const line = {
        method,
        code: code === undefined ? "ok" : Code[code],
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        tenant,
        caller: caller?.kind,
      };
      logger[level](line, "rpc");
    };
    try {
      const res = await next(req);
      log(undefined);
      return res;
    } catch (error) {
      log(error instanceof ConnectError ? error.code : Code.Unknown);
      throw error;
    }
  };
}
