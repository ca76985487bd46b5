import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What every field-service fake records of the requests it served. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** GraphQL operation name (Jobber). */
  operation?: string;
  /** When the fake received it (Date.now()), to check request rates. */
  receivedAt?: number;
  variables?: Record<string, unknown>;
}

export interface InjectedFailure {
  status: number;
  retryAfterSeconds?: number;
}

export type Handler = (req: IncomingMessage, url: URL, body: string, res: ServerResponse) => void | Promise<void>;

/** A node:http server on 127.0.0.1 and an ephemeral port, answering through one handler. */
export async function startHttpFake(handler: Handler): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://fake.invalid");
      Promise.resolve(handler(req, url, Buffer.concat(chunks).toString("utf8"), res)).catch((error: unknown) => {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: String(error) } }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}

export function closeHttpFake(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(payload === undefined ? "" : JSON.stringify(payload));
}
