import http2 from "node:http2";
import { create, toBinary, type DescMessage, type DescMethod } from "@bufbuild/protobuf";
import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AppointmentService } from "../../gen/universalcalendar/v1/appointment_pb.js";
import { AuditService } from "../../gen/universalcalendar/v1/audit_pb.js";
import { AvailabilityService } from "../../gen/universalcalendar/v1/availability_pb.js";
import { CalendarService } from "../../gen/universalcalendar/v1/calendar_pb.js";
import { FieldServiceService } from "../../gen/universalcalendar/v1/field_service_pb.js";
import { PrivacyService } from "../../gen/universalcalendar/v1/privacy_pb.js";
import { SyncService } from "../../gen/universalcalendar/v1/sync_pb.js";
import { TechnicianService } from "../../gen/universalcalendar/v1/technician_pb.js";
import { migrate } from "../../src/db/migrations.js";
import { openDatabase } from "../../src/db/orm.js";
import { grpcFrame, rawConnectCall, rawGrpcCall, type RawAnswer } from "../support/raw-rpc.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const METHODS: DescMethod[] = [
  AppointmentService,
  AuditService,
  AvailabilityService,
  CalendarService,
  FieldServiceService,
  PrivacyService,
  SyncService,
  TechnicianService,
].flatMap((service) => service.methods);
const TABLES = [
  "appointments",
  "availability_blocks",
  "calendar_integrations",
  "outbox",
  "audit_log",
  "idempotency_records",
  "tenant_data_keys",
  "technicians",
];
const TIMEOUT_MS = 3_000;

// Its own database: row counts must not move with other test files running in parallel.
const admin = new pg.Client({ connectionString: inject("databaseUrl").replace(/\/[^/]+$/, "/postgres") });
const databaseName = `uc_fuzz_${Date.now()}`;
let server: TestServer;
let session: http2.ClientHttp2Session;

beforeAll(async () => {
  await admin.connect();
  await admin.query(`create database ${databaseName}`);
  const url = inject("databaseUrl").replace(/\/[^/]+$/, `/${databaseName}`);
  const orm = await openDatabase(url);
  await migrate(orm);
  await orm.close();
  server = await startTestServer({ databaseUrl: url });
  session = http2.connect(server.baseUrl);
});
afterAll(async () => {
  session?.close();
  await server?.close();
  await admin.query(`drop database if exists ${databaseName} with (force)`);
  await admin.end();
});

async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const [row] = await server.orm.em.fork().execute<{ n: string }[]>(`select count(*) as n from ${table}`);
    counts[table] = Number(row?.n);
  }
  return counts;
}

function pathOf(method: DescMethod): string {
  return `${method.parent.typeName}/${method.name}`;
}

/** A JSON value that is an object of the method's own keys, with values of the wrong shape. */
function wrongJsonFor(input: DescMessage) {
  const keys = input.fields.map((f) => f.jsonName);
  const anyJson = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom("BOGUS", 99, -1, "\u0000", "0001-01-01T00:00:00Z", "9999-12-31T23:00:00Z", 1e308),
  );
  return fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 8 })), anyJson, { maxKeys: 4 });
}

const jsonBody = (method: DescMethod) =>
  fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.json({ maxDepth: 2 }),
    wrongJsonFor(method.input).map((value) => JSON.stringify(value)),
  );

/** Bytes: random, or a valid (empty or one-field) message damaged by truncation or byte flips. */
const binaryBody = fc.oneof(
  fc.uint8Array({ maxLength: 48 }),
  fc
    .tuple(fc.uint8Array({ minLength: 1, maxLength: 24 }), fc.nat({ max: 23 }), fc.integer({ min: 0, max: 255 }))
    .map(([bytes, at, value]) => {
      const damaged = Uint8Array.from(bytes);
      damaged[at % damaged.length] = value;
      return damaged;
    }),
  fc.constantFrom(
    Uint8Array.from([0x0a, 0x05, 0x61]), // length beyond the end
    Uint8Array.from([0x0a, 0x02, 0xc3, 0x28]), // invalid UTF-8
    Uint8Array.from([0x0f]), // wire type 7
    Uint8Array.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // varint too long
    Uint8Array.from([0x0b]), // unterminated group
  ),
);

type Protocol = "connect-json" | "connect-proto" | "grpc" | "grpc-web";

async function send(
  method: DescMethod,
  protocol: Protocol,
  body: string | Uint8Array,
  flags: number,
  lengthDelta: number,
): Promise<RawAnswer> {
  const streaming = method.methodKind !== "unary";
  if (protocol === "grpc" || protocol === "grpc-web") {
    const payload = typeof body === "string" ? new TextEncoder().encode(body) : body;
    const contentType = protocol === "grpc" ? "application/grpc" : "application/grpc-web+proto";
    return rawGrpcCall(
      session,
      pathOf(method),
      grpcFrame(payload, flags, Math.max(0, payload.byteLength + lengthDelta)),
      {
        contentType,
        timeoutMs: TIMEOUT_MS,
      },
    );
  }
  if (streaming) {
    const payload = typeof body === "string" ? new TextEncoder().encode(body) : body;
    const contentType = protocol === "connect-json" ? "application/connect+json" : "application/connect+proto";
    return rawConnectCall(server.baseUrl, pathOf(method), grpcFrame(payload, flags), {
      contentType,
      headers: { "connect-protocol-version": "1" },
      timeoutMs: TIMEOUT_MS,
    });
  }
  return rawConnectCall(server.baseUrl, pathOf(method), body, {
    contentType: protocol === "connect-json" ? "application/json" : "application/proto",
    timeoutMs: TIMEOUT_MS,
  });
}

describe("malformed requests to every RPC of the five API services", () => {
  it("covers every method", () => {
    expect(METHODS.length).toBeGreaterThanOrEqual(25);
  });

  it("never answer internal, a 5xx or nothing, and change no row unless answered ok", async () => {
    const method = fc.constantFrom(...METHODS);
    const jsonCase = method.chain((m) => fc.tuple(fc.constant(m), fc.constant<Protocol>("connect-json"), jsonBody(m)));
    const binaryCase = method.chain((m) =>
      fc.tuple(fc.constant(m), fc.constantFrom<Protocol>("connect-proto", "grpc", "grpc-web"), binaryBody),
    );
    const framing = fc.tuple(fc.constantFrom(0, 0, 0, 1, 2, 0x80), fc.constantFrom(0, 0, 0, 3, -1));
    await fc.assert(
      fc.asyncProperty(fc.oneof(jsonCase, binaryCase), framing, async ([m, protocol, body], [flags, lengthDelta]) => {
        const before = await rowCounts();
        const answer = await send(m, protocol, body, flags, lengthDelta);
        const context = `${pathOf(m)} over ${protocol}: ${JSON.stringify(answer)}`;
        // Random bytes now and then decode into a valid request (say, ConnectCalendar starting an OAuth
        // flow): only a refused request must leave every row as it was.
        if (answer.code !== "ok") expect(await rowCounts(), context).toEqual(before);
        expect(answer.code, context).toBeDefined();
        expect(answer.code, context).not.toBe("internal");
        expect(answer.code, context).not.toBe("unknown");
        // Connect sends unimplemented as HTTP 501.
        if (answer.code !== "unimplemented") expect(answer.httpStatus, context).toBeLessThan(500);
      }),
      { numRuns: 400 },
    );
    // Valid but empty requests of every method as well.
    const before = await rowCounts();
    for (const m of METHODS) {
      const empty = toBinary(m.input, create(m.input));
      const answer = await send(m, "grpc", empty, 0, 0);
      expect(answer.code, pathOf(m)).not.toBe("internal");
    }
    expect(await rowCounts()).toEqual(before);
  }, 60_000);
});
