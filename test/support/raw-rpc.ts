import http2 from "node:http2";
import { TEST_SERVICE_KEY } from "./test-server.js";

/** One gRPC length-prefixed message: flags byte, big-endian length, payload. */
export function grpcFrame(payload: Uint8Array, flags = 0, declaredLength = payload.byteLength): Uint8Array {
  const frame = new Uint8Array(5 + payload.byteLength);
  new DataView(frame.buffer).setUint8(0, flags);
  new DataView(frame.buffer).setUint32(1, declaredLength);
  frame.set(payload, 5);
  return frame;
}

export interface RawAnswer {
  httpStatus: number;
  /** grpc-status / Connect code string; undefined when the server never answered. */
  code: string | undefined;
  message: string;
}

const GRPC_CODES = [
  "ok",
  "canceled",
  "unknown",
  "invalid_argument",
  "deadline_exceeded",
  "not_found",
  "already_exists",
  "permission_denied",
  "resource_exhausted",
  "failed_precondition",
  "aborted",
  "out_of_range",
  "unimplemented",
  "internal",
  "unavailable",
  "data_loss",
  "unauthenticated",
];

/**
 * A gRPC call written by hand on an HTTP/2 session, so tests can send bytes
 * no generated client would (bad tags, false lengths, compressed flags).
 */
export function rawGrpcCall(
  session: http2.ClientHttp2Session,
  path: string,
  body: Uint8Array,
  options: { contentType?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ":method": "POST",
      ":path": `/${path}`,
      "content-type": options.contentType ?? "application/grpc",
      te: "trailers",
      "x-service-key": TEST_SERVICE_KEY,
      ...options.headers,
    });
    let httpStatus = 0;
    let status: string | undefined;
    let message = "";
    const timer = setTimeout(() => {
      stream.close(http2.constants.NGHTTP2_CANCEL);
      reject(new Error(`no answer from ${path} within ${options.timeoutMs ?? 5000} ms`));
    }, options.timeoutMs ?? 5000);
    const take = (headers: http2.IncomingHttpHeaders) => {
      if (headers["grpc-status"] !== undefined) {
        status = GRPC_CODES[Number(headers["grpc-status"])];
        message = decodeURIComponent(String(headers["grpc-message"] ?? ""));
      }
    };
    stream.on("response", (headers) => {
      httpStatus = Number(headers[":status"]);
      take(headers);
    });
    stream.on("trailers", take);
    const received: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => received.push(chunk));
    stream.on("error", () => {});
    stream.on("close", () => {
      clearTimeout(timer);
      if (status === undefined) take(grpcWebTrailers(Buffer.concat(received)));
      resolve({ httpStatus, code: status, message });
    });
    stream.end(body);
  });
}

/** gRPC-Web carries its trailers in the body, in a message flagged 0x80. */
function grpcWebTrailers(body: Buffer): http2.IncomingHttpHeaders {
  const trailers: http2.IncomingHttpHeaders = {};
  for (let at = 0; at + 5 <= body.length; at += 5 + body.readUInt32BE(at + 1)) {
    if ((body[at]! & 0x80) === 0) continue;
    const text = body.subarray(at + 5, at + 5 + body.readUInt32BE(at + 1)).toString("utf8");
    for (const line of text.split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  return trailers;
}

/** A Connect unary call with a raw body (binary or JSON), as curl would send it. */
export async function rawConnectCall(
  baseUrl: string,
  path: string,
  body: Uint8Array | string,
  options: { contentType?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RawAnswer> {
  const res = await fetch(`${baseUrl}/${path}`, {
    method: "POST",
    headers: {
      "content-type": options.contentType ?? "application/proto",
      "x-service-key": TEST_SERVICE_KEY,
      ...options.headers,
    },
    body: typeof body === "string" ? body : Buffer.from(body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
  });
  const text = await res.text();
  if (res.status === 200) return { httpStatus: 200, code: "ok", message: "" };
  const error = text ? (JSON.parse(text) as { code?: string; message?: string }) : {};
  return { httpStatus: res.status, code: error.code, message: error.message ?? "" };
}
