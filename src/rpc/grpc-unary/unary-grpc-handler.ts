import { constants as http2Constants, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
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

/** Serves the call and returns true, or returns false to leave the request to connect. */
export type UnaryGrpcDispatch = (req: Http2ServerRequest, res: Http2ServerResponse, path: string) => boolean;

const PROTO_CONTENT_TYPES = new Set(["application/grpc", "application/grpc+proto"]);
const RESPONSE_CONTENT_TYPE = "application/grpc+proto";
/** connect-es's default: a grpc-timeout of any size is accepted. */
const MAX_TIMEOUT_MS = Number.MAX_SAFE_INTEGER;
const PREFIX_BYTES = 5;

export function createUnaryGrpcDispatch(options: UnaryGrpcOptions): UnaryGrpcDispatch {
  return (req, res, path) => {
    const contentType = req.headers["content-type"];
    if (req.method !== "POST" || contentType === undefined || !PROTO_CONTENT_TYPES.has(contentType.toLowerCase())) {
      return false;
    }
    const method = options.methods.unary.get(path);
    if (method) {
      void serveUnaryCall(method, req, res, options);
      return true;
    }
    if (options.methods.leftToConnect.has(path)) return false;
    answerError(res, new Headers(), new ConnectError(`${path} is not a method of this server`, Code.Unimplemented));
    stopUpload(req);
    return true;
  };
}

async function serveUnaryCall(
  method: UnaryMethod,
  req: Http2ServerRequest,
  res: Http2ServerResponse,
  options: UnaryGrpcOptions,
): Promise<void> {
  const header = requestHeaders(req);
  const abort = new AbortController();
  const timeout = parseTimeout(header.get("grpc-timeout"), MAX_TIMEOUT_MS);
  const deadline = timeout.timeoutMs === undefined ? undefined : Date.now() + timeout.timeoutMs;
  const context: HandlerContext = {
    method: method.method,
    service: method.method.parent,
    requestMethod: "POST",
    protocolName: "grpc",
    url: `http://${req.headers[":authority"] ?? "localhost"}${path(req)}`,
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
    req.stream.off("close", onClose);
    if (error) {
      abort.abort(error);
      answerError(res, context.responseHeader, error, context.responseTrailer);
      stopUpload(req);
    } else {
      answerMessage(res, context, output!);
    }
  };
  const onClose = () => settle(new ConnectError("the client cancelled the call", Code.Canceled));
  req.stream.once("close", onClose);
  if (timeout.timeoutMs !== undefined && !timeout.error) {
    timer = setTimeout(() => settle(expired()), timeout.timeoutMs);
  }
  try {
    const compression = compressionNegotiate([], header.get("grpc-encoding"), null, headerAcceptEncoding);
    if (compression.error) throw compression.error;
    if (timeout.error) throw timeout.error;
    const payload = await readSingleMessage(req, options.readMaxBytes);
    if (answered) return;
    // Already past the deadline (grpc-timeout 0, or a slow upload): the handler does not run.
    if (deadline !== undefined && Date.now() >= deadline) return settle(expired());
    const input = decodeCheckedRequest(method.method.input, false, payload);
    const output = await invokeUnaryImplementation(method, context, input, options.interceptors);
    settle(undefined, toBinary(method.method.output, output));
  } catch (error) {
    if (!(error instanceof ConnectError))
      options.logger.error({ path: path(req), err: error }, "lean gRPC call failed");
    // As connect: anything but a ConnectError (the error-mapping interceptor makes every handler failure one) is a bug.
    settle(
      error instanceof ConnectError
        ? error
        : new ConnectError("internal error", Code.Internal, undefined, undefined, error),
    );
  }
}

function path(req: Http2ServerRequest): string {
  return req.headers[":path"] ?? "/";
}

/** Request metadata for interceptors and handlers: every header but HTTP/2 pseudo-headers, as connect-node passes it. */
function requestHeaders(req: Http2ServerRequest): Headers {
  const header = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
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

function answerMessage(res: Http2ServerResponse, context: HandlerContext, message: Uint8Array): void {
  if (res.stream.destroyed) return;
  const body = Buffer.allocUnsafe(PREFIX_BYTES + message.byteLength);
  body[0] = 0;
  body.writeUInt32BE(message.byteLength, 1);
  body.set(message, PREFIX_BYTES);
  // Trailers go through the compatibility response, which sends them when the stream wants them;
  // headers and body straight on the stream (the compatibility API validates each header again).
  res.addTrailers(headersObject({}, setTrailerStatus(context.responseTrailer, undefined)));
  res.stream.respond(
    headersObject({ ":status": "200", "content-type": RESPONSE_CONTENT_TYPE }, context.responseHeader),
    {
      waitForTrailers: true,
    },
  );
  res.stream.end(body);
}

/** Trailers-Only: status, message, details and any metadata in the one HEADERS frame that ends the stream. */
function answerError(
  res: Http2ServerResponse,
  responseHeader: Headers,
  error: ConnectError,
  responseTrailer = new Headers(),
): void {
  if (res.stream.destroyed || res.headersSent) return;
  const fields = headersObject(headersObject({}, responseHeader), setTrailerStatus(responseTrailer, error));
  fields[":status"] = "200";
  fields["content-type"] = RESPONSE_CONTENT_TYPE;
  // On the stream itself: the compatibility API's end() sends HEADERS and then a separate END_STREAM.
  res.stream.respond(fields, { endStream: true });
}

/**
 * Answered before the whole request arrived (oversized message, deadline):
 * once the answer is queued, stop the upload with RST_STREAM(NO_ERROR), or its
 * unread bytes hold the connection's flow-control window and later calls on
 * the same connection stall.
 */
function stopUpload(req: Http2ServerRequest): void {
  setImmediate(() => {
    if (!req.readableEnded && !req.stream.closed) req.stream.close(http2Constants.NGHTTP2_NO_ERROR);
  });
}
