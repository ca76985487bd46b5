import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";

export type HttpRequest = IncomingMessage | Http2ServerRequest;
export type HttpResponse = ServerResponse | Http2ServerResponse;

/** A plain HTTP endpoint on the service's port, outside Connect (probes, webhooks). */
export interface HttpRoute {
  method: "GET" | "POST";
  path: string;
  handle(req: HttpRequest, res: HttpResponse): void | Promise<void>;
}

/** The routes by "METHOD path"; server.ts answers a request from here before Connect sees it. */
export function routeTable(routes: HttpRoute[]): ReadonlyMap<string, HttpRoute> {
  return new Map(routes.map((route) => [`${route.method} ${route.path}`, route]));
}

export function probeRoutes(isHealthy: () => Promise<boolean>): HttpRoute[] {
  const probe = async (_req: HttpRequest, res: HttpResponse) => {
    const healthy = await isHealthy();
    res.statusCode = healthy ? 200 : 503;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ status: healthy ? "SERVING" : "NOT_SERVING" }));
  };
  return [
    { method: "GET", path: "/healthz", handle: probe },
    { method: "GET", path: "/readyz", handle: probe },
  ];
}
