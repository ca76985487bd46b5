import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { TEST_SERVICE_KEY } from "./test-server.js";

export type Credentials = { serviceKey?: string; jwt?: string };

function headersOf(credentials: Credentials): Record<string, string> {
  const headers: Record<string, string> = {};
  if (credentials.serviceKey) headers["x-service-key"] = credentials.serviceKey;
  if (credentials.jwt) headers.authorization = `Bearer ${credentials.jwt}`;
  return headers;
}

function withCredentials(credentials: Credentials) {
  return [
    (next: Parameters<import("@connectrpc/connect").Interceptor>[0]) => async (req: Parameters<typeof next>[0]) => {
      for (const [name, value] of Object.entries(headersOf(credentials))) req.header.set(name, value);
      return next(req);
    },
  ];
}

/** gRPC over HTTP/2 cleartext (prior knowledge), as backend services call us. */
export function grpcTransport(baseUrl: string, credentials: Credentials = {}): Transport {
  return createGrpcTransport({ baseUrl, interceptors: withCredentials(credentials) });
}

/** Connect JSON over HTTP/1.1, as browsers call us. */
export function connectTransport(baseUrl: string, credentials: Credentials = {}): Transport {
  return createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors: withCredentials(credentials) });
}

export function client<S extends DescService>(service: S, transport: Transport): Client<S> {
  return createClient(service, transport);
}

export const serviceKey: Credentials = { serviceKey: TEST_SERVICE_KEY };

/** Plain fetch with a JSON body: what curl users do. */
export async function postJson(
  baseUrl: string,
  path: string,
  body: unknown,
  credentials: Credentials = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${baseUrl}/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headersOf(credentials) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
