import http from "node:http";
import http2 from "node:http2";
import net, { type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCleartextServer } from "../../src/cleartext-server.js";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
/** An empty SETTINGS frame: length 0, type 4, no flags, stream 0. */
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);

let port: number;
const { listener } = createCleartextServer(
  (req, res) => {
    res.setHeader("content-type", "text/plain");
    res.end(`${req.httpVersion} ${req.url}`);
  },
  {
    firstBytesTimeoutMs: 300,
    claimStream: (stream, headers) => {
      if (headers[":path"] !== "/claimed") return false;
      stream.respond({ ":status": 200, "content-type": "text/plain" });
      stream.end("stream /claimed");
      return true;
    },
  },
);

beforeAll(async () => {
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  port = (listener.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => listener.close(resolve));
});

function http1Get(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve(body));
      })
      .on("error", reject);
  });
}

function http2Get(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", reject);
    const stream = session.request({ ":path": path });
    let body = "";
    stream.on("data", (chunk: Buffer) => (body += chunk.toString()));
    stream.on("end", () => {
      session.close();
      resolve(body);
    });
    stream.on("error", reject);
  });
}

describe("one cleartext port for HTTP/1.1 and HTTP/2 with prior knowledge", () => {
  it("answers each protocol by what the connection starts with", async () => {
    expect(await http1Get("/one")).toBe("1.1 /one");
    expect(await http2Get("/two")).toBe("2.0 /two");
    const [a, b] = await Promise.all([http2Get("/three"), http1Get("/four")]);
    expect([a, b]).toEqual(["2.0 /three", "1.1 /four"]);
  });

  it("offers HTTP/2 streams to the claim first; the rest reach the request listener", async () => {
    expect(await http2Get("/claimed")).toBe("stream /claimed");
    expect(await http2Get("/unclaimed")).toBe("2.0 /unclaimed");
    expect(await http1Get("/claimed")).toBe("1.1 /claimed");
  });

  it("waits for a preface split across packets, and the bytes read while deciding reach the session", async () => {
    const socket = net.connect(port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.setNoDelay(true);
    const received: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    socket.write(PREFACE.subarray(0, 5));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toHaveLength(0);
    socket.write(Buffer.concat([PREFACE.subarray(5), EMPTY_SETTINGS]));
    // The server's own SETTINGS, then the acknowledgement of ours: only if the session read our frame.
    await expect
      .poll(() => {
        const all = Buffer.concat(received);
        const frames: number[] = [];
        for (let at = 0; at + 9 <= all.length; at += 9 + all.readUIntBE(at, 3))
          frames.push((all[at + 3]! << 8) | all[at + 4]!);
        return frames.includes((4 << 8) | 1);
      })
      .toBe(true);
    socket.destroy();
  });

  it("closes a connection that stays silent, or stops inside the preface, once the first bytes are overdue", async () => {
    for (const sent of [Buffer.alloc(0), PREFACE.subarray(0, 10)]) {
      const socket = net.connect(port, "127.0.0.1");
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.write(sent);
      const began = Date.now();
      await new Promise((resolve) => socket.once("close", resolve).resume());
      expect(Date.now() - began).toBeGreaterThanOrEqual(250);
    }
    // A connection handed over is the protocol server's: an idle HTTP/2 session outlives the deadline.
    const session = http2.connect(`http://127.0.0.1:${port}`);
    await new Promise((resolve) => session.once("connect", resolve));
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(session.closed || session.destroyed).toBe(false);
    session.close();
  });

  it("drops a connection reset before it said anything, and keeps serving", async () => {
    const socket = net.connect(port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.resetAndDestroy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await http1Get("/after")).toBe("1.1 /after");
  });
});
