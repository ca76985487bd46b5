import { Buffer } from "node:buffer";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import http2, {
  type Http2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from "node:http2";
import net, { type Server, type Socket } from "node:net";

/** What every HTTP/2 connection with prior knowledge (h2c) starts with (RFC 9113 §3.4). */
const HTTP2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

export type DualProtocolListener = (
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
) => void;

/** Takes an HTTP/2 stream before the compatibility API wraps it (true), or leaves it to the listener (false). */
export type StreamClaim = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => boolean;

export interface CleartextServer {
  /** Accepts connections; its "connection" event sees every socket. */
  listener: Server;
  /** Where HTTP/2 connections go; its "session" event sees every session. */
  http2: Http2Server;
}

/**
 * HTTP/1.1 and HTTP/2 with prior knowledge (as gRPC clients and buf curl
 * speak it in cleartext) on one port: a connection's first bytes say which.
 * The socket is handed over with its native handle, so nghttp2 reads and
 * writes it directly; the bytes read while sniffing are put back, and Node's
 * HTTP/2 session replays a socket's buffered data on start. (httpolyglot,
 * used before, marks every HTTP/2 socket as not stream-based, which puts a
 * JavaScript stream wrapper under each session: measured at about a fifth of
 * a unary gRPC call's CPU.)
 */
export function createCleartextServer(
  handle: DualProtocolListener,
  options: { firstBytesTimeoutMs?: number; claimStream?: StreamClaim } = {},
): CleartextServer {
  // A connection that never says which protocol it speaks would otherwise hold its socket forever
  // (neither server's own timeouts run before it is handed over).
  const firstBytesTimeoutMs = options.firstBytesTimeoutMs ?? 10_000;
  const http1Server = http.createServer(handle);
  const http2Server = http2.createServer(handle);
  if (options.claimStream) offerStreamsFirst(http2Server, options.claimStream);
  const route = (socket: Socket, seen: Buffer): void => {
    const chunk = socket.read() as Buffer | null;
    const data = chunk ? Buffer.concat([seen, chunk]) : seen;
    const prefix = data.subarray(0, HTTP2_PREFACE.length);
    const mayBeHttp2 = HTTP2_PREFACE.subarray(0, prefix.length).equals(prefix);
    if (mayBeHttp2 && data.length < HTTP2_PREFACE.length) {
      socket.once("readable", () => route(socket, data));
      return;
    }
    socket.removeListener("error", dropSocket);
    socket.removeListener("timeout", dropSocket);
    socket.setTimeout(0);
    socket.unshift(data);
    (mayBeHttp2 ? http2Server : http1Server).emit("connection", socket);
  };
  const listener = net.createServer((socket) => {
    // Until a protocol owns the socket, a reset, an early close or silence just drops it.
    socket.on("error", dropSocket);
    socket.setTimeout(firstBytesTimeoutMs);
    socket.once("timeout", dropSocket);
    route(socket, Buffer.alloc(0));
  });
  return { listener, http2: http2Server };
}

/**
 * node:http2 serves its request listener through a "stream" listener that
 * builds the compatibility API's request and response (two Node streams, a
 * dozen listeners) for every stream; it is put behind the claim, so a
 * claimed stream costs none of it. Measured as most of what a unary gRPC call
 * left in the old generation (docs/runtime.md, "Open-loop tails").
 */
function offerStreamsFirst(server: Http2Server, claim: StreamClaim): void {
  const [compatibility, ...others] = server.listeners("stream") as ((...args: unknown[]) => void)[];
  if (!compatibility || others.length > 0) {
    throw new Error("node:http2 changed: expected its compatibility API as the only stream listener");
  }
  server.removeListener("stream", compatibility);
  server.on("stream", function (this: Http2Server, stream: ServerHttp2Stream, headers: IncomingHttpHeaders, ...rest) {
    if (!claim(stream, headers)) compatibility.call(this, stream, headers, ...rest);
  });
}

function dropSocket(this: Socket): void {
  this.destroy();
}
