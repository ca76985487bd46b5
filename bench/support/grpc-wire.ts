import {
  fromBinary,
  toBinary,
  type DescMessage,
  type MessageInitShape,
  type MessageShape,
  create,
} from "@bufbuild/protobuf";

/** A gRPC length-prefixed message: flag byte 0 (uncompressed), 4-byte big-endian length, bytes. */
export function grpcFrame<Desc extends DescMessage>(schema: Desc, message: MessageInitShape<Desc>): Buffer {
  const bytes = toBinary(schema, create(schema, message));
  const frame = Buffer.allocUnsafe(5 + bytes.length);
  frame.writeUInt8(0, 0);
  frame.writeUInt32BE(bytes.length, 1);
  frame.set(bytes, 5);
  return frame;
}

/** The message of a single-message gRPC body. */
export function readGrpcFrame<Desc extends DescMessage>(schema: Desc, body: Buffer): MessageShape<Desc> {
  if (body.length < 5 || body.readUInt8(0) !== 0) throw new Error("not an uncompressed gRPC message");
  return fromBinary(schema, body.subarray(5, 5 + body.readUInt32BE(1)));
}

/** One unary gRPC call over node:http2 with a pre-encoded frame; the response frame, or an error naming the grpc-status. */
export async function grpcCall(
  baseUrl: string,
  method: string,
  frame: Buffer,
  headers: Record<string, string>,
): Promise<Buffer> {
  const { connect } = await import("node:http2");
  const session = connect(baseUrl);
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const stream = session.request({
        ":method": "POST",
        ":path": method,
        "content-type": "application/grpc",
        te: "trailers",
        ...headers,
      });
      const chunks: Buffer[] = [];
      let status: unknown;
      let message: unknown;
      stream.on("response", (h) => ((status = h["grpc-status"]), (message = h["grpc-message"])));
      stream.on("trailers", (t) => ((status = t["grpc-status"]), (message = t["grpc-message"])));
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", reject);
      stream.on("close", () =>
        status === "0"
          ? resolve(Buffer.concat(chunks))
          : reject(new Error(`${method}: grpc-status ${String(status)} ${decodeURIComponent(String(message ?? ""))}`)),
      );
      stream.end(frame);
    });
  } finally {
    session.close();
  }
}
