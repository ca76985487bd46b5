import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse, ServerHttp2Session } from "node:http2";
import type { Socket } from "node:net";
import { cors as connectCors } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import * as httpolyglot from "@httptoolkit/httpolyglot";
import { createAuthInterceptor } from "./auth/interceptor.js";
import type { Config } from "./config.js";
import { createErrorMappingInterceptor } from "./rpc/interceptors/error-mapping.js";
import { createLoggingInterceptor } from "./rpc/interceptors/logging.js";
import { createRateLimitInterceptor } from "./rpc/interceptors/rate-limit.js";
import { registerRoutes, type RpcDependencies } from "./rpc/routes.js";

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;

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
export async function startServer(deps: RpcDependencies): Promise<RunningServer> {
  const { config, logger } = deps;
  const connectHandler = connectNodeAdapter({
    routes: (router) => registerRoutes(router, deps),
    // Callers sit on the same network: gzip costs both sides more CPU than it saves.
    acceptCompression: [],
    // No request of this API comes near 1 MiB; a larger body is refused before it is buffered whole.
    readMaxBytes: 1024 * 1024,
    interceptors: [
      createLoggingInterceptor(logger),
      createErrorMappingInterceptor(logger),
      createAuthInterceptor(config),
      createRateLimitInterceptor(config.rateLimit),
    ],
  });

  const probe = async (res: Response) => {
    const healthy = await deps.databaseHealth.isHealthy();
    res.statusCode = healthy ? 200 : 503;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ status: healthy ? "SERVING" : "NOT_SERVING" }));
  };

  let inFlight = 0;
  let settled: (() => void) | undefined;
  const sessions = new Set<ServerHttp2Session>();
  const checkSettled = () => {
    if (inFlight === 0 && sessions.size === 0) settled?.();
  };
  const listener = (req: Request, res: Response) => {
    inFlight++;
    res.once("close", () => {
      inFlight--;
      checkSettled();
    });
    if (applyCors(config, req, res)) return;
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && (path === "/healthz" || path === "/readyz")) {
      void probe(res);
      return;
    }
    connectHandler(req as IncomingMessage, res as ServerResponse);
  };

  const server = httpolyglot.createServer(listener as (req: IncomingMessage, res: ServerResponse) => void);
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    // Without it, Nagle + delayed ACK stall every small HTTP/2 response ~40 ms.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("session", (session: ServerHttp2Session) => {
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
