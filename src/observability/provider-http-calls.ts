import diagnosticsChannel from "node:diagnostics_channel";
import type { ClientRequest, IncomingMessage } from "node:http";

/** Called once per finished provider HTTP call: the provider and the status ("error" when no response came). */
export type ProviderCallListener = (provider: string, status: string) => void;

interface UndiciRequest {
  origin: string;
}

/**
 * Watches every outgoing HTTP call through Node's diagnostics channels (fetch via
 * undici; node:http for libraries on node-fetch such as googleapis) and reports
 * those whose origin belongs to a provider. No adapter needs to know about it.
 * Returns the function that stops watching.
 */
export function watchProviderHttpCalls(origins: Map<string, string>, listener: ProviderCallListener): () => void {
  const undiciOrigins = new WeakMap<object, string>();
  const subscriptions: [string, (message: unknown) => void][] = [
    [
      "undici:request:create",
      (message) => {
        const { request } = message as { request: UndiciRequest };
        const provider = origins.get(request.origin);
        if (provider) undiciOrigins.set(request, provider);
      },
    ],
    [
      "undici:request:headers",
      (message) => {
        const { request, response } = message as { request: UndiciRequest; response: { statusCode: number } };
        const provider = undiciOrigins.get(request);
        if (provider) listener(provider, String(response.statusCode));
      },
    ],
    [
      "undici:request:error",
      (message) => {
        const provider = undiciOrigins.get((message as { request: UndiciRequest }).request);
        if (provider) listener(provider, "error");
      },
    ],
    [
      "http.client.response.finish",
      (message) => {
        const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
        const provider = origins.get(originOf(request));
        if (provider) listener(provider, String(response.statusCode ?? 0));
      },
    ],
    [
      "http.client.request.error",
      (message) => {
        const provider = origins.get(originOf((message as { request: ClientRequest }).request));
        if (provider) listener(provider, "error");
      },
    ],
  ];
  for (const [channel, handler] of subscriptions) diagnosticsChannel.subscribe(channel, handler);
  return () => {
    for (const [channel, handler] of subscriptions) diagnosticsChannel.unsubscribe(channel, handler);
  };
}

function originOf(request: ClientRequest): string {
  return `${request.protocol}//${String(request.getHeader("host") ?? request.host)}`;
}
