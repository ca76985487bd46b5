import net from "node:net";

/**
 * A minimal HTTP/2 client for gRPC load (RFC 9113 frames, RFC 7541 literal
 * headers) on a plain socket: a call is one pre-encoded HEADERS frame and one
 * DATA frame written out, and it ends at the server's END_STREAM. node:http2's
 * client spent ~0.28 ms of CPU a call (a stream object, its events and header
 * objects), a fifth of the two cores at GetAppointment's open-loop rate, on
 * the cores the measured server runs on; this one ~0.15 ms, most of it the
 * loopback write (the kernel charges the receiver's TCP work to the writer).
 *
 * It does not decode the server's headers (HPACK's dynamic table and Huffman
 * codes): a call succeeds when its answer carried a message (DATA) before
 * END_STREAM. A gRPC error from a unary handler is trailers-only (one HEADERS
 * frame), so it counts as failed, as does a reset stream; callers check one
 * answer's status with a full client before loading, as with h2load.
 */

const FRAME_DATA = 0x0;
const FRAME_HEADERS = 0x1;
const FRAME_RST_STREAM = 0x3;
const FRAME_SETTINGS = 0x4;
const FRAME_PING = 0x6;
const FRAME_GOAWAY = 0x7;
const FRAME_WINDOW_UPDATE = 0x8;
const FLAG_END_STREAM = 0x1;
const FLAG_ACK = 0x1;
const FLAG_END_HEADERS = 0x4;
const SETTINGS_ENABLE_PUSH = 0x2;
const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
const MAX_WINDOW = 2 ** 31 - 1;
const DEFAULT_WINDOW = 65_535;
/** The largest frame payload a peer must accept without asking (SETTINGS_MAX_FRAME_SIZE's default). */
const DEFAULT_MAX_FRAME = 16_384;
/** Received DATA bytes after which the connection's receive window is topped up again. */
const WINDOW_REFILL_AT = 2 ** 30;
const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** Writes a frame (its 9-byte header, then payload) into out at `at`; returns where the next one goes. */
function writeFrame(out: Buffer, at: number, type: number, flags: number, streamId: number, payload: Buffer): number {
  out.writeUIntBE(payload.length, at, 3);
  out[at + 3] = type;
  out[at + 4] = flags;
  out.writeUInt32BE(streamId, at + 5);
  payload.copy(out, at + 9);
  return at + 9 + payload.length;
}

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(9 + payload.length);
  writeFrame(out, 0, type, flags, streamId, payload);
  return out;
}

/** An HPACK integer with an n-bit prefix whose high bits are `first` (RFC 7541 §5.1). */
function hpackInteger(value: number, prefixBits: number, first: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [first | value];
  const bytes = [first | max];
  for (value -= max; value >= 128; value >>>= 7) bytes.push((value & 0x7f) | 0x80);
  bytes.push(value);
  return bytes;
}

/** "Literal header field without indexing, new name", both strings as plain octets (RFC 7541 §6.2.2). */
function literalField(name: string, value: string): Buffer {
  const nameBytes = Buffer.from(name, "latin1");
  const valueBytes = Buffer.from(value, "latin1");
  return Buffer.concat([
    Buffer.from([0x00, ...hpackInteger(nameBytes.length, 7, 0)]),
    nameBytes,
    Buffer.from(hpackInteger(valueBytes.length, 7, 0)),
    valueBytes,
  ]);
}

/** One header block for every call of a connection: pseudo-headers first, names lower-case. */
export function headerBlock(url: URL, path: string, headers: Record<string, string>): Buffer {
  const fields: [string, string][] = [
    [":method", "POST"],
    [":scheme", "http"],
    [":path", path],
    [":authority", url.host],
    ["content-type", "application/grpc"],
    ["te", "trailers"],
    ...Object.entries(headers).map(([name, value]): [string, string] => [name.toLowerCase(), value]),
  ];
  const block = Buffer.concat(fields.map(([name, value]) => literalField(name, value)));
  if (block.length > DEFAULT_MAX_FRAME) throw new Error("request headers exceed one HTTP/2 frame");
  return block;
}

interface OpenStream {
  gotMessage: boolean;
  done: (succeeded: boolean) => void;
}

export class RawH2Connection {
  private nextStreamId = 1;
  private readonly streams = new Map<number, OpenStream>();
  private pending: Buffer | undefined;
  private receivedSinceRefill = 0;
  private closedWith: Error | undefined;

  private constructor(
    private readonly socket: net.Socket,
    private readonly block: Buffer,
  ) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (error) => this.failAll(error));
    socket.on("close", () => this.failAll(new Error("connection closed")));
  }

  static async open(url: URL, path: string, headers: Record<string, string>): Promise<RawH2Connection> {
    const socket = net.connect({ host: url.hostname, port: Number(url.port), noDelay: true });
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    const settings = Buffer.alloc(12);
    settings.writeUInt16BE(SETTINGS_ENABLE_PUSH, 0);
    settings.writeUInt32BE(0, 2);
    settings.writeUInt16BE(SETTINGS_INITIAL_WINDOW_SIZE, 6);
    settings.writeUInt32BE(MAX_WINDOW, 8);
    const increment = Buffer.alloc(4);
    increment.writeUInt32BE(MAX_WINDOW - DEFAULT_WINDOW);
    socket.write(
      Buffer.concat([PREFACE, frame(FRAME_SETTINGS, 0, 0, settings), frame(FRAME_WINDOW_UPDATE, 0, 0, increment)]),
    );
    return new RawH2Connection(socket, headerBlock(url, path, headers));
  }

  /** Sends one call with body (a whole gRPC frame); resolves with whether a message came back. */
  call(body: Buffer): Promise<boolean> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (body.length > DEFAULT_MAX_FRAME) throw new Error("request body exceeds one HTTP/2 frame");
    const streamId = this.nextStreamId;
    this.nextStreamId += 2;
    const out = Buffer.allocUnsafe(18 + this.block.length + body.length);
    writeFrame(
      out,
      writeFrame(out, 0, FRAME_HEADERS, FLAG_END_HEADERS, streamId, this.block),
      FRAME_DATA,
      FLAG_END_STREAM,
      streamId,
      body,
    );
    return new Promise((resolve) => {
      this.streams.set(streamId, { gotMessage: false, done: resolve });
      this.socket.write(out);
    });
  }

  /** Holds writes until uncork: the calls started in one tick leave in one write. */
  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  close(): void {
    this.socket.end();
  }

  private onData(chunk: Buffer): void {
    let buffer = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    while (buffer.length - at >= 9) {
      const length = buffer.readUIntBE(at, 3);
      if (buffer.length - at < 9 + length) break;
      this.onFrame(buffer[at + 3]!, buffer[at + 4]!, buffer.readUInt32BE(at + 5) & MAX_WINDOW, buffer, at + 9, length);
      at += 9 + length;
    }
    buffer = buffer.subarray(at);
    this.pending = buffer.length > 0 ? buffer : undefined;
  }

  private onFrame(type: number, flags: number, streamId: number, buffer: Buffer, at: number, length: number): void {
    switch (type) {
      case FRAME_DATA: {
        const stream = this.streams.get(streamId);
        if (stream && length > 0) stream.gotMessage = true;
        this.receivedSinceRefill += length;
        if (this.receivedSinceRefill >= WINDOW_REFILL_AT) {
          const increment = Buffer.alloc(4);
          increment.writeUInt32BE(this.receivedSinceRefill);
          this.socket.write(frame(FRAME_WINDOW_UPDATE, 0, 0, increment));
          this.receivedSinceRefill = 0;
        }
        if (flags & FLAG_END_STREAM) this.finish(streamId, true);
        return;
      }
      case FRAME_HEADERS:
        if (flags & FLAG_END_STREAM) this.finish(streamId, true);
        return;
      case FRAME_RST_STREAM:
        this.finish(streamId, false);
        return;
      case FRAME_SETTINGS:
        if (!(flags & FLAG_ACK)) this.socket.write(frame(FRAME_SETTINGS, FLAG_ACK, 0, Buffer.alloc(0)));
        return;
      case FRAME_PING:
        if (!(flags & FLAG_ACK)) this.socket.write(frame(FRAME_PING, FLAG_ACK, 0, buffer.subarray(at, at + length)));
        return;
      case FRAME_GOAWAY:
        this.failAll(new Error(`server sent GOAWAY (error code ${buffer.readUInt32BE(at + 4)})`));
        this.socket.destroy();
        return;
      default:
        // WINDOW_UPDATE (requests are far smaller than the server's windows), PRIORITY, CONTINUATION, unknown.
        return;
    }
  }

  /** A stream ends: with a message, the call succeeded; trailers-only (a gRPC error) or a reset, it failed. */
  private finish(streamId: number, ended: boolean): void {
    const stream = this.streams.get(streamId);
    if (!stream) return;
    this.streams.delete(streamId);
    stream.done(ended && stream.gotMessage);
  }

  private failAll(error: Error): void {
    this.closedWith ??= error;
    for (const stream of this.streams.values()) stream.done(false);
    this.streams.clear();
  }
}
