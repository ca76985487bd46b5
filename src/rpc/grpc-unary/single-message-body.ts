import type { ServerHttp2Stream } from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { UNNEGOTIATED_COMPRESSION } from "../strict-decoding.js";

const PREFIX_BYTES = 5;
const COMPRESSED_FLAG = 0b0000_0001;

/**
 * Reads the one length-prefixed message of a unary gRPC request
 * (flags byte, 4-byte big-endian length, payload) and returns its payload.
 * The failures and their codes are connect-es's for the same input, so both
 * paths answer alike. A message over readMaxBytes is refused as soon as its
 * prefix arrives, without buffering it: the caller answers at once and
 * resets the rest of the upload (the connection stays usable).
 */
export function readSingleMessage(stream: ServerHttp2Stream, readMaxBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let declared = -1;
    const stop = (error: ConnectError) => {
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("aborted", onAborted);
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.byteLength;
      if (declared < 0 && size >= PREFIX_BYTES) {
        const head = chunks.length === 1 ? chunk : Buffer.concat(chunks);
        declared = head.readUInt32BE(1);
        if (declared > readMaxBytes) {
          stop(
            new ConnectError(
              `message size ${declared} is larger than configured readMaxBytes ${readMaxBytes}`,
              Code.ResourceExhausted,
            ),
          );
        }
      }
    };
    const onEnd = () => {
      stream.off("data", onData);
      stream.off("aborted", onAborted);
      if (size === 0) {
        reject(new ConnectError("protocol error: missing input message for unary method", Code.Unimplemented));
        return;
      }
      const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      const end = PREFIX_BYTES + declared;
      if (declared < 0 || size < end || (size > end && size - end < PREFIX_BYTES)) {
        reject(new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument));
      } else if (size > end) {
        reject(new ConnectError("protocol error: received extra input message for unary method", Code.Unimplemented));
      } else if (all[0]! & COMPRESSED_FLAG) {
        reject(new ConnectError(UNNEGOTIATED_COMPRESSION, Code.InvalidArgument));
      } else {
        resolve(all.subarray(PREFIX_BYTES, end));
      }
    };
    const onAborted = () => stop(new ConnectError("the client cancelled the call", Code.Canceled));
    stream.on("data", onData);
    stream.once("end", onEnd);
    stream.once("aborted", onAborted);
  });
}
