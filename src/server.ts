import type { IncomingMessage, ServerResponse } from "node:http";
import {
  constants as http2Constants,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from "node:http2";
import type { Socket } from "node:net";
import { Code, ConnectError, cors as connectCors, createConnectRouter } from "@connectrpc/connect";
import { universalRequestFromNodeRequest, universalResponseToNodeResponse } from "@connectrpc/connect-node";
import { createCleartextServer } from "./cleartext-server.js";
import { RateLimitCounters } from "./db/rate-limit-counters.js";
import { createAuthInterceptor } from "./auth/interceptor.js";
import type { Config } from "./config.js";
import { loadConsoleAssets } from "./console/console-assets.js";
import type { ServiceMetrics } from "./observability/service-metrics.js";
import type { Tracer } from "@opentelemetry/api";
import { probeRoutes, routeTable, type HttpRequest, type HttpResponse, type HttpRoute } from "./http-routes.js";
import { createErrorMappingInterceptor } from "./rpc/interceptors/error-mapping.js";
import { createLoggingInterceptor } from "./rpc/interceptors/logging.js";
import { createRateLimitInterceptor } from "./rpc/interceptors/rate-limit.js";
import { createRpcTelemetryInterceptor } from "./rpc/interceptors/rpc-telemetry.js";
import { createUnaryGrpcDispatch } from "./rpc/grpc-unary/unary-grpc-handler.js";
import { recordingRouter } from "./rpc/grpc-unary/unary-method-table.js";
import { registerRoutes } from "./rpc/routes.js";
import type { RpcDependencies } from "./rpc/rpc-dependencies.js";
import { STRICT_JSON, strictDecoding } from "./rpc/strict-decoding.js";
import { webhookRoutes } from "./webhooks/webhook-routes.js";

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;

export interface ServerDependencies extends RpcDependencies {
  metrics: ServiceMetrics;
  /** Set when tracing is on: every RPC then runs in a span. */
  tracer?: Tracer;
  /** Where the built browser console lives; default: dist/console beside the compiled service. */
  consoleDir?: string;
}

export interface RunningServer {
  port: number;
  /** Stops accepting, lets in-flight calls finish (up to graceMs), then closes connections. */
  close(graceMs?: number): Promise<void>;
}

const CORS_ALLOWED_HEADERS = [...connectCors.allowedHeaders, "Authorization", "X-Service-Key"].join(", ");
const CORS_EXPOSED_HEADERS = connectCors.exposedHeaders.join(", ");
const CORS_ALLOWED_METHODS = connectCors.allowedMethods.join(", ");

function applyCors(config: Config, req: Request, res: Response): boolean {
  const origin = req.headers.origin;
  if (typeof origin !== "string") return false;
  const allowed = config.corsOrigins === "*" || config.corsOrigins.includes(origin);
  if (!allowed) return false;
  res.setHeader("Access-Control-Allow-Origin", config.corsOrigins === "*" ? "*" : origin);
  res.setHeader("Vary", "Origin");
  res.setHeader("Access-Control-Expose-Headers", CORS_EXPOSED_HEADERS);
  if (req.method === "OPTIONS") {
    res.setHeader("Access-Control-Allow-Methods", CORS_ALLOWED_METHODS);
    res.setHeader("Access-Control-Allow-Headers", CORS_ALLOWED_HEADERS);
    res.setHeader("Access-Control-Max-Age", "7200");
    res.statusCode = 204;
    res.end();
    return true;
  }
  return false;
}

/** One port: gRPC (h2c), gRPC-Web and Connect over HTTP/1.1 and HTTP/2, plus plain HTTP probes. */
export async function startServer(deps: ServerDependencies): Promise<RunningServer> {
  const { config, logger } = deps;
  // No request of this API comes near 1 MiB; a larger body is refused before it is buffered whole.
  const readMaxBytes = 1024 * 1024;
  // One chain for both paths: connect's router and the lean unary gRPC path run the same interceptors.
  const interceptors = [
    createRpcTelemetryInterceptor(deps.metrics, deps.tracer),
    createLoggingInterceptor(logger),
    createErrorMappingInterceptor(logger),
    createAuthInterceptor(config),
    createRateLimitInterceptor(
      config.rateLimit,
      new RateLimitCounters(deps.app.orm, config.rateLimit.windowMs),
      logger,
    ),
  ];
  const recording = recordingRouter(
    createConnectRouter({
      // Callers sit on the same network: gzip costs both sides more CPU than it saves.
      acceptCompression: [],
      readMaxBytes,
      // Browsers get every field, defaults included ("created": false, "total": 0).
      jsonOptions: { ...STRICT_JSON, alwaysEmitImplicit: true },
      interceptors,
    }),
  );
  registerRoutes(recording.router, deps);
  const router = recording.router;
  const leanGrpc = config.leanGrpc
    ? createUnaryGrpcDispatch({ methods: recording.table, interceptors, readMaxBytes, logger })
    : undefined;
  // connectNodeAdapter's routing, with every handler behind strictDecoding.
  const handlers = new Map(
    router.handlers.map((handler) => [handler.requestPath, strictDecoding(handler, { readMaxBytes })]),
  );
  const connectHandler = (req: Request, res: Response, path: string) => {
    const handler = handlers.get(path);
    if (!handler) {
      res.statusCode = 404;
      res.end();
      return;
    }
    handler(universalRequestFromNodeRequest(req as IncomingMessage, res as ServerResponse, undefined, undefined))
      .then((answer) => universalResponseToNodeResponse(answer, res as ServerResponse))
      .catch((error: unknown) => {
        if (ConnectError.from(error).code !== Code.Aborted) logger.error({ path, err: error }, "rpc response failed");
      });
  };
  const staticAsset =
    (asset: { contentType: string; body: Buffer }) =>
    (_req: HttpRequest, res: HttpResponse): void => {
      res.setHeader("content-type", asset.contentType);
      res.setHeader("cache-control", "no-cache");
      res.end(asset.body);
    };
  const serveMetrics = async (_req: HttpRequest, res: HttpResponse) => {
    const body = await deps.metrics.scrape();
    res.setHeader("content-type", deps.metrics.contentType);
    res.end(body);
  };
  // Plain HTTP routes beside the RPCs: probes, webhooks, Prometheus scrapes and the browser console.
  const httpRoutes = routeTable([
    ...probeRoutes(() => deps.databaseHealth.isHealthy()),
    ...webhookRoutes(deps.app, logger),
    { method: "GET", path: "/metrics", handle: serveMetrics },
    ...[...loadConsoleAssets(deps.consoleDir)].map(([path, asset]): HttpRoute => ({
      method: "GET",
      path,
      handle: staticAsset(asset),
    })),
  ]);

  let inFlight = 0;
  let settled: (() => void) | undefined;
  const sessions = new Set<ServerHttp2Session>();
  const checkSettled = () => {
    if (inFlight === 0 && sessions.size === 0) settled?.();
  };
  const callEnded = () => {
    inFlight--;
    checkSettled();
  };
  const listener = (req: Request, res: Response) => {
    inFlight++;
    res.once("close", callEnded);
    if ("stream" in req) {
      // Answered before the whole request arrived (size limit, malformed message): once the status is
      // queued, stop the upload with RST_STREAM(NO_ERROR), or its unread bytes hold the connection's
      // flow-control window and every later call on this HTTP/2 connection stalls.
      req.stream.once("wantTrailers", () => {
        setImmediate(() => {
          if (!req.readableEnded && !req.stream.closed) req.stream.close(http2Constants.NGHTTP2_NO_ERROR);
        });
      });
    }
    if (applyCors(config, req, res)) return;
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const route = httpRoutes.get(`${req.method} ${path}`);
    if (route) {
      void route.handle(req, res);
      return;
    }
    connectHandler(req, res, path);
  };
  // Unary binary gRPC takes the lean path, on the HTTP/2 stream itself; everything else (and anything it
  // declines) goes through the listener above to CORS, the HTTP routes and connect. A call with an Origin
  // is left to the listener too, so it gets the same CORS headers on either path.
  const claimStream = leanGrpc
    ? (stream: ServerHttp2Stream, headers: IncomingHttpHeaders): boolean => {
        const path = (headers[":path"] ?? "/").split("?")[0] ?? "/";
        if (headers.origin !== undefined || httpRoutes.has(`${headers[":method"]} ${path}`)) return false;
        if (!leanGrpc(stream, headers, path)) return false;
        inFlight++;
        stream.once("close", callEnded);
        return true;
      }
    : undefined;

  const { listener: server, http2: http2Server } = createCleartextServer(listener, { claimStream });
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    // Without it, Nagle + delayed ACK stall every small HTTP/2 response ~40 ms.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  http2Server.on("session", (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once("close", () => {
      sessions.delete(session);
      checkSettled();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;

  return {
    port,
    async close(graceMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // GOAWAY: HTTP/2 sessions finish their open streams, then close themselves.
      for (const session of sessions) session.close();
      const done = new Promise<void>((resolve) => {
        settled = resolve;
        checkSettled();
      });
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
