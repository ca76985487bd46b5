import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RawH2Connection } from "../../bench/support/raw-h2-client.js";

/** The bench's raw HTTP/2 client against node:http2's server (nghttp2): what it sends and how it reads answers. */
let server: http2.Http2Server;
let url: URL;
const seen: { headers: http2.IncomingHttpHeaders; body: Buffer }[] = [];
const pings: boolean[] = [];

beforeAll(async () => {
  server = http2.createServer();
  server.on("session", (session) => {
    // The client must answer a PING with an ACK carrying the same payload.
    session.once("remoteSettings", () =>
      session.ping(Buffer.from("8 bytes!"), (error, _duration, payload) =>
        pings.push(!error && payload.toString() === "8 bytes!"),
      ),
    );
  });
  server.on("stream", (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => {
      seen.push({ headers, body: Buffer.concat(chunks) });
      const path = headers[":path"];
      if (path === "/svc/Hang") return;
      if (path === "/svc/Error") {
        stream.respond(
          { ":status": 200, "content-type": "application/grpc", "grpc-status": "16" },
          { endStream: true },
        );
      } else if (path === "/svc/Reset") {
        stream.close(http2.constants.NGHTTP2_CANCEL);
      } else {
        stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        stream.end(Buffer.concat([Buffer.from([0, 0, 0, 0, 2]), Buffer.from("ok")]));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const message = Buffer.from([0, 0, 0, 0, 3, 1, 2, 3]);

describe("raw HTTP/2 gRPC client", () => {
  it("sends the headers and body a gRPC server expects, and reads an answer with a message as success", async () => {
    const connection = await RawH2Connection.open(url, "/svc/Ok", { "X-Service-Key": "secret" });
    try {
      seen.length = 0;
      expect(await connection.call(message)).toBe(true);
      expect(seen[0]!.body).toEqual(message);
      expect(seen[0]!.headers).toMatchObject({
        ":method": "POST",
        ":scheme": "http",
        ":path": "/svc/Ok",
        ":authority": url.host,
        "content-type": "application/grpc",
        te: "trailers",
        "x-service-key": "secret",
      });
    } finally {
      connection.close();
    }
  });

  it("counts a trailers-only answer (a gRPC error) and a reset stream as failed", async () => {
    const errors = await RawH2Connection.open(url, "/svc/Error", {});
    const resets = await RawH2Connection.open(url, "/svc/Reset", {});
    try {
      expect(await errors.call(message)).toBe(false);
      expect(await resets.call(message)).toBe(false);
      // The connection stays usable after either.
      expect(await errors.call(message)).toBe(false);
    } finally {
      errors.close();
      resets.close();
    }
  });

  it("keeps many calls in flight on one connection, each answered on its own stream, and answers the server's ping", async () => {
    const connection = await RawH2Connection.open(url, "/svc/Ok", {});
    try {
      seen.length = 0;
      connection.cork();
      const calls = Array.from({ length: 300 }, () => connection.call(message));
      connection.uncork();
      expect(await Promise.all(calls)).toEqual(Array(300).fill(true));
      expect(seen).toHaveLength(300);
      expect(pings.length).toBeGreaterThan(0);
      expect(pings.every(Boolean)).toBe(true);
    } finally {
      connection.close();
    }
  });

  it("fails the calls in flight when the server goes away, and refuses new ones", async () => {
    const sessions: http2.ServerHttp2Session[] = [];
    const onSession = (session: http2.ServerHttp2Session) => sessions.push(session);
    server.on("session", onSession);
    const connection = await RawH2Connection.open(url, "/svc/Hang", {});
    try {
      const inFlight = connection.call(message);
      await expect.poll(() => seen.some((s) => s.headers[":path"] === "/svc/Hang")).toBe(true);
      for (const session of sessions) session.destroy();
      expect(await inFlight).toBe(false);
      await expect(connection.call(message)).rejects.toThrow(/closed|reset|GOAWAY/);
    } finally {
      server.off("session", onSession);
      connection.close();
    }
  });

  it("refuses a body larger than one frame", async () => {
    const connection = await RawH2Connection.open(url, "/svc/Ok", {});
    try {
      expect(() => connection.call(Buffer.alloc(20_000))).toThrow(/one HTTP\/2 frame/);
    } finally {
      connection.close();
    }
  });
});
