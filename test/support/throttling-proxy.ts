import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A plain HTTP proxy in front of a real server (Radicale) that can answer the
 * next requests 429 with Retry-After, as iCloud does under load, or lose the
 * answers of the next requests of one method after the server applied them.
 */
export interface ThrottlingProxy {
  baseUrl: string;
  throttleNext(requests: number, retryAfterSeconds: number): void;
  /** The next `requests` of `method` reach the server, but the client gets a 502 instead of its answer. */
  loseAnswersOfNext(method: string, requests: number): void;
  close(): Promise<void>;
}

export async function startThrottlingProxy(target: string): Promise<ThrottlingProxy> {
  const upstream = new URL(target);
  let remaining = 0;
  let retryAfter = 0;
  const lost = { method: "", remaining: 0 };
  const server: Server = createServer((req, res) => {
    if (remaining > 0) {
      remaining--;
      res.writeHead(429, { "retry-after": String(retryAfter), "content-type": "text/plain" });
      res.end("too many requests");
      return;
    }
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        if (lost.remaining > 0 && req.method === lost.method) {
          lost.remaining--;
          answer.resume();
          res.writeHead(502, { "content-type": "text/plain" });
          res.end("answer lost");
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    throttleNext(requests, retryAfterSeconds) {
      remaining = requests;
      retryAfter = retryAfterSeconds;
    },
    loseAnswersOfNext(method, requests) {
      lost.method = method;
      lost.remaining = requests;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
