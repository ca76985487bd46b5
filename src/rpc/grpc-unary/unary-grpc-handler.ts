import { constants as http2Constants, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import { toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues, type HandlerContext, type Interceptor } from "@connectrpc/connect";
import { compressionNegotiate, invokeUnaryImplementation } from "@connectrpc/connect/protocol";
import { headerAcceptEncoding, parseTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import type { Logger } from "../../logger.js";
import { decodeCheckedRequest } from "../strict-decoding.js";
import { readSingleMessage } from "./single-message-body.js";
import type { UnaryMethod, UnaryMethodTable } from "./unary-method-table.js";

/**
 * Unary gRPC (binary protobuf) served straight on node:http2, behind the
 * same implementations and the same interceptor chain as connect-es
 * (connect's own invokeUnaryImplementation runs them), without connect's
 * per-call machinery: async-iterable pipelines, three linked abort
 * controllers, a DOMException per call, a second decode of the request.
 *
 * Wire behaviour follows the gRPC over HTTP/2 spec and connect-es's gRPC
 * handler (node_modules/@connectrpc/connect/dist/esm/protocol-grpc/):
 * - success: HEADERS (:status 200, content-type, response headers), one
 *   length-prefixed message, trailers (grpc-status 0 + response trailers);
 * - failure: Trailers-Only, one HEADERS frame with END_STREAM carrying
 *   grpc-status, grpc-message (percent-encoded) and grpc-status-details-bin,
 *   written by connect's own setTrailerStatus;
 * - grpc-timeout: the deadline runs from the request's arrival; when it
 *   passes the call is answered deadline_exceeded and the handler's signal
 *   aborts (connect only aborts the signal);
 * - grpc-encoding other than identity: unimplemented with
 *   grpc-accept-encoding, as connect answers (no compression is accepted).
 * gRPC+JSON, gRPC-Web, Connect and streaming methods stay on connect.
 */
export interface UnaryGrpcOptions {
  methods: UnaryMethodTable;
  interceptors: Interceptor[];
  readMaxBytes: number;
  logger: Logger;
}

/**
 * Serves the call and returns true, or returns false to leave the request to
 * connect. It works on the HTTP/2 stream itself (src/cleartext-server.ts
 * offers every stream here first): no compatibility request or response.
 */
export type UnaryGrpcDispatch = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, path: string) => boolean;

const PROTO_CONTENT_TYPES = new Set(["application/grpc", "application/grpc+proto"]);
const RESPONSE_CONTENT_TYPE = "application/grpc+proto";
/** connect-es's default: a grpc-timeout of any size is accepted. */
const MAX_TIMEOUT_MS = Number.MAX_SAFE_INTEGER;
const PREFIX_BYTES = 5;

export function createUnaryGrpcDispatch(options: UnaryGrpcOptions): UnaryGrpcDispatch {
  return (stream, headers, path) => {
    const contentType = headers["content-type"];
    if (
      headers[":method"] !== "POST" ||
      contentType === undefined ||
      !PROTO_CONTENT_TYPES.has(contentType.toLowerCase())
    ) {
      return false;
    }
    const method = options.methods.unary.get(path);
    if (method) {
      // Cancelled calls reset the stream, which emits "error"; without a listener that would be thrown.
      stream.on("error", ignoreStreamError);
      void serveUnaryCall(method, stream, headers, options);
      return true;
    }
    if (options.methods.leftToConnect.has(path)) return false;
    stream.on("error", ignoreStreamError);
    answerError(stream, new Headers(), new ConnectError(`${path} is not a method of this server`, Code.Unimplemented));
    stopUpload(stream);
    return true;
  };
}

async function serveUnaryCall(
  method: UnaryMethod,
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  options: UnaryGrpcOptions,
): Promise<void> {
  const header = requestHeaders(headers);
  const abort = new AbortController();
  const timeout = parseTimeout(header.get("grpc-timeout"), MAX_TIMEOUT_MS);
  const deadline = timeout.timeoutMs === undefined ? undefined : Date.now() + timeout.timeoutMs;
  const context: HandlerContext = {
    method: method.method,
    service: method.method.parent,
    requestMethod: "POST",
    protocolName: "grpc",
    url: `http://${headers[":authority"] ?? "localhost"}${pathOf(headers)}`,
    signal: abort.signal,
    timeoutMs: () => (deadline === undefined ? undefined : deadline - Date.now()),
    requestHeader: header,
    responseHeader: new Headers(),
    responseTrailer: new Headers(),
    values: createContextValues(),
  };
  // Exactly one answer per call: the handler's, the deadline's, or none once the client has gone.
  let answered = false;
  let timer: NodeJS.Timeout | undefined;
  const expired = () => new ConnectError("the operation timed out", Code.DeadlineExceeded);
  const settle = (answer: ConnectError | undefined, output?: Uint8Array) => {
    if (answered) return;
    answered = true;
    // A handler that finishes after the deadline (before the timer's turn came) is too late as well.
    const error = answer ?? (deadline !== undefined && Date.now() >= deadline ? expired() : undefined);
    if (timer !== undefined) clearTimeout(timer);
    stream.off("close", onClose);
    if (error) {
      abort.abort(error);
      answerError(stream, context.responseHeader, error, context.responseTrailer);
      stopUpload(stream);
    } else {
      answerMessage(stream, context, output!);
    }
  };
  const onClose = () => settle(new ConnectError("the client cancelled the call", Code.Canceled));
  stream.once("close", onClose);
  if (timeout.timeoutMs !== undefined && !timeout.error) {
    timer = setTimeout(() => settle(expired()), timeout.timeoutMs);
  }
  try {
    const compression = compressionNegotiate([], header.get("grpc-encoding"), null, headerAcceptEncoding);
    if (compression.error) throw compression.error;
    if (timeout.error) throw timeout.error;
    const payload = await readSingleMessage(stream, options.readMaxBytes);
    if (answered) return;
    // Already past the deadline (grpc-timeout 0, or a slow upload): the handler does not run.
    if (deadline !== undefined && Date.now() >= deadline) return settle(expired());
    const input = decodeCheckedRequest(method.method.input, false, payload);
    const output = await invokeUnaryImplementation(method, context, input, options.interceptors);
    settle(undefined, toBinary(method.method.output, output));
  } catch (error) {
    if (!(error instanceof ConnectError))
      options.logger.error({ path: pathOf(headers), err: error }, "lean gRPC call failed");
    // As connect: anything but a ConnectError (the error-mapping interceptor makes every handler failure one) is a bug.
    settle(
      error instanceof ConnectError
        ? error
        : new ConnectError("internal error", Code.Internal, undefined, undefined, error),
    );
  }
}

function pathOf(headers: IncomingHttpHeaders): string {
  return headers[":path"] ?? "/";
}

function ignoreStreamError(): void {
  // The call's outcome is settled by "close" (cancelled) or already sent; nothing is left to tell.
}

/** Request metadata for interceptors and handlers: every header but HTTP/2 pseudo-headers, as connect-node passes it. */
function requestHeaders(headers: IncomingHttpHeaders): Headers {
  const header = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (name.charCodeAt(0) === 58 /* ":" */ || value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) header.append(name, item);
    else header.append(name, value);
  }
  return header;
}

function headersObject(into: Record<string, string>, from: Headers): Record<string, string> {
  from.forEach((value, name) => {
    into[name] = value;
  });
  return into;
}

function answerMessage(stream: ServerHttp2Stream, context: HandlerContext, message: Uint8Array): void {
  if (stream.destroyed) return;
  const body = Buffer.allocUnsafe(PREFIX_BYTES + message.byteLength);
  body[0] = 0;
  body.writeUInt32BE(message.byteLength, 1);
  body.set(message, PREFIX_BYTES);
  const trailers = headersObject({}, setTrailerStatus(context.responseTrailer, undefined));
  stream.once("wantTrailers", () => stream.sendTrailers(trailers));
  stream.respond(headersObject({ ":status": "200", "content-type": RESPONSE_CONTENT_TYPE }, context.responseHeader), {
    waitForTrailers: true,
  });
  stream.end(body);
}

/** Trailers-Only: status, message, details and any metadata in the one HEADERS frame that ends the stream. */
function answerError(
  stream: ServerHttp2Stream,
  responseHeader: Headers,
  error: ConnectError,
  responseTrailer = new Headers(),
): void {
  if (stream.destroyed || stream.headersSent) return;
  const fields = headersObject(headersObject({}, responseHeader), setTrailerStatus(responseTrailer, error));
  fields[":status"] = "200";
  fields["content-type"] = RESPONSE_CONTENT_TYPE;
  stream.respond(fields, { endStream: true });
}

/**
 * Answered before the whole request arrived (oversized message, deadline):
 * once the answer is queued, stop the upload with RST_STREAM(NO_ERROR), or its
 * unread bytes hold the connection's flow-control window and later calls on
 * the same connection stall.
 */
function stopUpload(stream: ServerHttp2Stream): void {
  setImmediate(() => {
    if (!stream.readableEnded && !stream.closed) stream.close(http2Constants.NGHTTP2_NO_ERROR);
  });
}
