import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import http2 from "node:http2";
import { promisify } from "node:util";
import { create, fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AppointmentService,
  CreateAppointmentRequestSchema,
  CreateAppointmentResponseSchema,
  GetAppointmentRequestSchema,
  GetAppointmentResponseSchema,
} from "../../gen/universalcalendar/v1/appointment_pb.js";
import { appointmentRequest } from "../support/appointment-requests.js";
import { client, grpcTransport, serviceKey } from "../support/clients.js";
import { grpcFrame } from "../support/raw-rpc.js";
import { mintJwt, newTenantId, startTestServer, TEST_SERVICE_KEY, type TestServer } from "../support/test-server.js";

/**
 * The gRPC protocol as clients see it, run against both paths that serve it:
 * the lean unary path (src/rpc/grpc-unary/) and connect's (LEAN_GRPC=off).
 * Clients: @grpc/grpc-js (the reference implementation's Node client), the
 * connect-node gRPC client, raw node:http2 for what clients hide (where the
 * status travels, exact headers), and buf curl with server reflection.
 */
const GET = "/universalcalendar.v1.AppointmentService/GetAppointment";
const CREATE = "/universalcalendar.v1.AppointmentService/CreateAppointment";
const TENANT_LIMIT = 3;

function grpcJsCall<I extends DescMessage, O extends DescMessage>(
  channel: grpc.Client,
  path: string,
  input: I,
  output: O,
  message: MessageShape<I> | Buffer,
  metadata: Record<string, string> = {},
  options: grpc.CallOptions = {},
): Promise<{ message: MessageShape<O>; headers: grpc.Metadata; trailers: grpc.Metadata }> {
  const meta = new grpc.Metadata();
  for (const [name, value] of Object.entries(metadata)) meta.set(name, value);
  return new Promise((resolve, reject) => {
    let headers = new grpc.Metadata();
    let trailers = new grpc.Metadata();
    const call = channel.makeUnaryRequest(
      path,
      (value: MessageShape<I> | Buffer) => (Buffer.isBuffer(value) ? value : Buffer.from(toBinary(input, value))),
      (bytes: Buffer) => fromBinary(output, bytes),
      message,
      meta,
      options,
      (error, answer) => (error ? reject(error) : resolve({ message: answer!, headers, trailers })),
    );
    call.on("metadata", (m: grpc.Metadata) => (headers = m));
    call.on("status", (s: grpc.StatusObject) => (trailers = s.metadata));
  });
}

async function grpcJsError(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as grpc.ServiceError;
  }
  throw new Error("the call succeeded");
}

interface RawAnswer {
  headers: http2.IncomingHttpHeaders;
  /** Status in the response HEADERS, which ended the stream. */
  trailersOnly: boolean;
  trailers: http2.IncomingHttpHeaders;
  body: Buffer;
}

/** One call on a raw HTTP/2 session (kept open by the caller when given). */
function rawCall(
  baseUrl: string,
  path: string,
  body: Uint8Array,
  headers: Record<string, string> = {},
  session?: http2.ClientHttp2Session,
): Promise<RawAnswer> {
  const own = session ?? http2.connect(baseUrl);
  return new Promise<RawAnswer>((resolve, reject) => {
    const stream = own.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
      "x-service-key": TEST_SERVICE_KEY,
      ...headers,
    });
    const answer: RawAnswer = { headers: {}, trailersOnly: false, trailers: {}, body: Buffer.alloc(0) };
    const chunks: Buffer[] = [];
    stream.on("response", (h, flags) => {
      answer.headers = h;
      answer.trailersOnly = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
    });
    stream.on("trailers", (t) => (answer.trailers = t));
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", reject);
    stream.on("close", () => {
      answer.body = Buffer.concat(chunks);
      if (!session) own.close();
      resolve(answer);
    });
    stream.end(body);
  }).finally(() => {
    if (!session) own.close();
  });
}

const statusOf = (answer: RawAnswer) => answer.headers["grpc-status"] ?? answer.trailers["grpc-status"];
const messageOf = (answer: RawAnswer) =>
  String(answer.headers["grpc-message"] ?? answer.trailers["grpc-message"] ?? "");

describe.each([
  ["lean unary path", "on"],
  ["connect's gRPC", "off"],
])("gRPC protocol through the %s", (_name, leanGrpc) => {
  let server: TestServer;
  let channel: grpc.Client;
  let address: string;

  beforeAll(async () => {
    server = await startTestServer({ env: { LEAN_GRPC: leanGrpc, RATE_LIMIT_MAX_REQUESTS: String(TENANT_LIMIT) } });
    address = `127.0.0.1:${server.port}`;
    channel = new grpc.Client(address, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    channel?.close();
    await server?.close();
  });

  const book = (tenantId: string, metadata: Record<string, string> = { "x-service-key": TEST_SERVICE_KEY }) =>
    grpcJsCall(
      channel,
      CREATE,
      CreateAppointmentRequestSchema,
      CreateAppointmentResponseSchema,
      appointmentRequest(tenantId, "2030-01-07T16:00:00Z", "2030-01-07T17:00:00Z"),
      metadata,
    );

  it("answers a unary call to grpc-js, with the answer's content type and grpc-status 0 in trailers", async () => {
    const tenantId = newTenantId();
    const created = await book(tenantId);
    expect(created.message.created).toBe(true);
    expect(created.headers.get("content-type")).toEqual(["application/grpc+proto"]);
    const read = await grpcJsCall(
      channel,
      GET,
      GetAppointmentRequestSchema,
      GetAppointmentResponseSchema,
      create(GetAppointmentRequestSchema, { id: created.message.appointment!.id }),
      { "x-service-key": TEST_SERVICE_KEY },
    );
    expect(read.message.appointment).toMatchObject({ tenantId, title: "Fix leaking sink" });

    const raw = await rawCall(
      server.baseUrl,
      GET,
      grpcFrame(
        toBinary(
          GetAppointmentRequestSchema,
          create(GetAppointmentRequestSchema, { id: read.message.appointment!.id }),
        ),
      ),
    );
    expect(raw.trailersOnly).toBe(false);
    expect(raw.trailers["grpc-status"]).toBe("0");
    expect(raw.body.readUInt32BE(1)).toBe(raw.body.byteLength - 5);
    expect(fromBinary(GetAppointmentResponseSchema, raw.body.subarray(5)).appointment?.id).toBe(
      read.message.appointment!.id,
    );
  });

  it("answers the connect-node gRPC client, errors with their code", async () => {
    const appointments = client(AppointmentService, grpcTransport(server.baseUrl, serviceKey));
    const created = await appointments.createAppointment(
      appointmentRequest(newTenantId(), "2030-01-07T16:00:00Z", "2030-01-07T17:00:00Z"),
    );
    expect((await appointments.getAppointment({ id: created.appointment!.id })).appointment?.id).toBe(
      created.appointment!.id,
    );
    const error = await appointments.getAppointment({ id: "00000000-0000-4000-8000-000000000000" }).catch((e) => e);
    expect(ConnectError.from(error).code).toBe(Code.NotFound);
  });

  it("passes request metadata to auth: a wrong key, a JWT, none", async () => {
    expect((await grpcJsError(book(newTenantId(), { "x-service-key": "wrong-key-0123456789" }))).code).toBe(
      grpc.status.UNAUTHENTICATED,
    );
    // A tenant's JWT reaches the handler (which finds nothing), and is refused where only services may call.
    const tenantId = newTenantId();
    const jwt = { authorization: `Bearer ${await mintJwt(tenantId)}` };
    const unknown = create(GetAppointmentRequestSchema, { id: "00000000-0000-4000-8000-000000000000" });
    expect(
      (
        await grpcJsError(
          grpcJsCall(channel, GET, GetAppointmentRequestSchema, GetAppointmentResponseSchema, unknown, jwt),
        )
      ).code,
    ).toBe(grpc.status.NOT_FOUND);
    expect((await grpcJsError(book(tenantId, jwt))).code).toBe(grpc.status.PERMISSION_DENIED);
    const missing = await grpcJsError(book(newTenantId(), {}));
    expect(missing.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(missing.details).toMatch(/missing X-Service-Key header/);
  });

  it("answers an error's code and message, and its metadata (retry-after) as trailers", async () => {
    const tenantId = newTenantId();
    const jwt = { authorization: `Bearer ${await mintJwt(tenantId)}` };
    const get = () =>
      grpcJsCall(
        channel,
        GET,
        GetAppointmentRequestSchema,
        GetAppointmentResponseSchema,
        create(GetAppointmentRequestSchema, { id: "00000000-0000-4000-8000-000000000000" }),
        jwt,
      );
    const notFound = await grpcJsError(get());
    expect(notFound.code).toBe(grpc.status.NOT_FOUND);
    expect(notFound.details).toMatch(/not found/i);
    for (let i = 1; i < TENANT_LIMIT; i++) await grpcJsError(get());
    const limited = await grpcJsError(get());
    expect(limited.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(limited.details).toMatch(/rate limit of 3 requests/);
    expect(Number(limited.metadata.get("retry-after")[0])).toBeGreaterThan(0);
  });

  it("percent-encodes grpc-message; the lean path answers errors Trailers-Only", async () => {
    const raw = await rawCall(
      server.baseUrl,
      GET,
      grpcFrame(toBinary(GetAppointmentRequestSchema, create(GetAppointmentRequestSchema, { id: "nö id%" }))),
    );
    expect(statusOf(raw)).toBe(String(grpc.status.INVALID_ARGUMENT));
    expect(messageOf(raw)).toMatch(/^id%3A%20/);
    expect(messageOf(raw)).not.toMatch(/[^\x21-\x7e]/);
    expect(decodeURIComponent(messageOf(raw))).toMatch(/^id: /);
    expect(raw.body.byteLength).toBe(0);
    // connect sends headers, then the status in trailers; both are valid gRPC.
    expect(raw.trailersOnly).toBe(leanGrpc === "on");
    if (raw.trailersOnly) expect(raw.headers["content-type"]).toBe("application/grpc+proto");
  });

  it("refuses a malformed message with invalid_argument", async () => {
    const error = await grpcJsError(
      grpcJsCall(channel, GET, GetAppointmentRequestSchema, GetAppointmentResponseSchema, Buffer.from([0x0a, 0xff]), {
        "x-service-key": TEST_SERVICE_KEY,
      }),
    );
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toMatch(/malformed protobuf message/);
  });

  it("answers an unknown method unimplemented", async () => {
    const error = await grpcJsError(
      grpcJsCall(
        channel,
        "/universalcalendar.v1.AppointmentService/NoSuchMethod",
        GetAppointmentRequestSchema,
        GetAppointmentResponseSchema,
        create(GetAppointmentRequestSchema, { id: "x" }),
        { "x-service-key": TEST_SERVICE_KEY },
      ),
    );
    expect(error.code).toBe(grpc.status.UNIMPLEMENTED);
  });

  it("honours deadlines: an expired one is deadline_exceeded, a bad grpc-timeout invalid_argument", async () => {
    const error = await grpcJsError(
      grpcJsCall(
        channel,
        GET,
        GetAppointmentRequestSchema,
        GetAppointmentResponseSchema,
        create(GetAppointmentRequestSchema, { id: "00000000-0000-4000-8000-000000000000" }),
        { "x-service-key": TEST_SERVICE_KEY },
        { deadline: Date.now() + 1 },
      ),
    );
    expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    const appointments = client(AppointmentService, grpcTransport(server.baseUrl, serviceKey));
    const late = await appointments
      .getAppointment({ id: "00000000-0000-4000-8000-000000000000" }, { timeoutMs: 1 })
      .catch((e) => e);
    expect(ConnectError.from(late).code).toBe(Code.DeadlineExceeded);
    // The server itself ends an expired call; connect only aborts the handler's signal and answers late.
    const expired = await rawCall(
      server.baseUrl,
      GET,
      grpcFrame(toBinary(GetAppointmentRequestSchema, create(GetAppointmentRequestSchema, { id: randomUUID() }))),
      { "grpc-timeout": "0n" },
    );
    if (leanGrpc === "on") expect(statusOf(expired)).toBe(String(grpc.status.DEADLINE_EXCEEDED));
    const bad = await rawCall(server.baseUrl, GET, grpcFrame(new Uint8Array(0)), { "grpc-timeout": "soon" });
    expect(statusOf(bad)).toBe(String(grpc.status.INVALID_ARGUMENT));
  });

  it("refuses compressed requests: grpc-encoding gzip is unimplemented", async () => {
    const raw = await rawCall(server.baseUrl, GET, grpcFrame(new Uint8Array(0), 1), { "grpc-encoding": "gzip" });
    expect(statusOf(raw)).toBe(String(grpc.status.UNIMPLEMENTED));
    expect(decodeURIComponent(messageOf(raw))).toMatch(/unknown compression "gzip"/);
  });

  it("refuses an oversized message with resource_exhausted, and the same connection serves the next call", async () => {
    const huge = toBinary(
      CreateAppointmentRequestSchema,
      appointmentRequest(newTenantId(), "2030-01-07T16:00:00Z", "2030-01-07T17:00:00Z", {
        notes: "x".repeat(2 * 1024 * 1024),
      }),
    );
    const error = await grpcJsError(
      grpcJsCall(channel, CREATE, CreateAppointmentRequestSchema, CreateAppointmentResponseSchema, Buffer.from(huge), {
        "x-service-key": TEST_SERVICE_KEY,
      }),
    );
    expect(error.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect((await book(newTenantId())).message.created).toBe(true);

    const session = http2.connect(server.baseUrl);
    try {
      const refused = await rawCall(server.baseUrl, CREATE, grpcFrame(huge), {}, session);
      expect(statusOf(refused)).toBe(String(grpc.status.RESOURCE_EXHAUSTED));
      const next = await rawCall(
        server.baseUrl,
        CREATE,
        grpcFrame(
          toBinary(
            CreateAppointmentRequestSchema,
            appointmentRequest(newTenantId(), "2030-01-07T16:00:00Z", "2030-01-07T17:00:00Z"),
          ),
        ),
        {},
        session,
      );
      expect(statusOf(next)).toBe("0");
    } finally {
      session.close();
    }
  });

  it("answers a cross-origin call with the CORS headers of the allowed origin", async () => {
    const raw = await rawCall(
      server.baseUrl,
      GET,
      grpcFrame(toBinary(GetAppointmentRequestSchema, create(GetAppointmentRequestSchema, { id: randomUUID() }))),
      { origin: "http://app.example.test" },
    );
    expect(statusOf(raw)).toBe(String(grpc.status.NOT_FOUND));
    expect(raw.headers["access-control-allow-origin"]).toBe("http://app.example.test");
  });

  it("a call the client cancels mid-upload or mid-answer harms neither the server nor the connection", async () => {
    const session = http2.connect(server.baseUrl);
    try {
      const request = grpcFrame(
        toBinary(
          CreateAppointmentRequestSchema,
          appointmentRequest(newTenantId(), "2030-01-07T16:00:00Z", "2030-01-07T17:00:00Z"),
        ),
      );
      const cancel = (sent: Uint8Array, ended: boolean) =>
        new Promise<void>((resolve) => {
          const stream = session.request({
            ":method": "POST",
            ":path": CREATE,
            "content-type": "application/grpc",
            "x-service-key": TEST_SERVICE_KEY,
          });
          stream.on("error", () => undefined);
          stream.once("close", () => resolve());
          if (ended) stream.end(sent);
          else stream.write(sent);
          // RST_STREAM(CANCEL), as grpc clients send on cancel: the server's stream gets an "error".
          setTimeout(() => stream.close(http2.constants.NGHTTP2_CANCEL), ended ? 0 : 20);
        });
      await Promise.all([
        cancel(request.subarray(0, 7), false),
        ...Array.from({ length: 10 }, () => cancel(request, true)),
      ]);
      const next = await rawCall(
        server.baseUrl,
        GET,
        grpcFrame(toBinary(GetAppointmentRequestSchema, create(GetAppointmentRequestSchema, { id: randomUUID() }))),
        {},
        session,
      );
      expect(statusOf(next)).toBe(String(grpc.status.NOT_FOUND));
    } finally {
      session.close();
    }
  });

  it("answers buf curl (gRPC, HTTP/2 prior knowledge) using server reflection", async () => {
    const tenantId = newTenantId();
    const created = await book(tenantId);
    const { stdout } = await promisify(execFile)("node_modules/.bin/buf", [
      "curl",
      "--protocol",
      "grpc",
      "--http2-prior-knowledge",
      "-H",
      `x-service-key: ${TEST_SERVICE_KEY}`,
      "-d",
      JSON.stringify({ id: created.message.appointment!.id }),
      `${server.baseUrl}${GET}`,
    ]);
    expect(JSON.parse(stdout)).toMatchObject({ appointment: { id: created.message.appointment!.id, tenantId } });
  });
});
