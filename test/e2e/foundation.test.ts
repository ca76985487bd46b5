import { create, createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import { ServerReflection, ServerReflectionRequestSchema } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import {
  ServerReflection as ServerReflectionV1alpha,
  ServerReflectionRequestSchema as ServerReflectionRequestV1alphaSchema,
} from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { AppointmentService } from "../../gen/universalcalendar/v1/appointment_pb.js";
import { createLogger } from "../../src/logger.js";
import { client, connectTransport, grpcTransport, postJson, serviceKey } from "../support/clients.js";
import { mintJwt, newTenantId, startTestServer, TEST_SERVICE_KEY, type TestServer } from "../support/test-server.js";

let server: TestServer;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  const logger = createLogger("info", {
    write: (line: string) => {
      logLines.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  server = await startTestServer({ logger });
});
afterAll(() => server?.close());

async function codeOf(promise: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

describe("three protocols on one port", () => {
  it("answers gRPC health over HTTP/2 cleartext", async () => {
    const health = client(Health, grpcTransport(server.baseUrl));
    const res = await health.check({ service: "" });
    expect(res.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    const named = await health.check({ service: "universalcalendar.v1.AppointmentService" });
    expect(named.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    expect(await codeOf(health.check({ service: "no.such.Service" }))).toBe(Code.NotFound);
  });

  it("answers Connect over HTTP/1.1", async () => {
    const health = client(Health, connectTransport(server.baseUrl));
    expect((await health.check({})).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
  });

  it("answers plain fetch with JSON, with Connect error bodies", async () => {
    const ok = await postJson(server.baseUrl, "grpc.health.v1.Health/Check", {});
    expect(ok).toEqual({ status: 200, body: { status: "SERVING" } });
    const denied = await postJson(server.baseUrl, "universalcalendar.v1.AppointmentService/GetAppointment", {
      id: "x",
    });
    expect(denied.status).toBe(401);
    expect(denied.body.code).toBe("unauthenticated");
  });

  it("refuses a request body over 1 MiB with resource_exhausted", async () => {
    const res = await postJson(
      server.baseUrl,
      "universalcalendar.v1.AppointmentService/GetAppointment",
      { id: "x".repeat(1_100_000) },
      serviceKey,
    );
    expect(res.body.code).toBe("resource_exhausted");
  });

  it("serves /healthz and /readyz for plain HTTP probes", async () => {
    for (const path of ["/healthz", "/readyz"]) {
      const res = await fetch(`${server.baseUrl}${path}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: "SERVING" });
    }
  });

  it("answers CORS preflights for the configured origin only", async () => {
    const preflight = (origin: string) =>
      fetch(`${server.baseUrl}/universalcalendar.v1.AppointmentService/GetAppointment`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type,authorization",
        },
      });
    const allowed = await preflight("http://app.example.test");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://app.example.test");
    expect(allowed.headers.get("access-control-allow-headers")).toMatch(/Authorization/);
    expect(allowed.headers.get("access-control-allow-headers")).toMatch(/Connect-Protocol-Version/);
    const other = await preflight("http://evil.example.test");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("server reflection v1", () => {
  it("lists every service and returns descriptors with comments", async () => {
    const reflection = client(ServerReflection, grpcTransport(server.baseUrl));
    async function* requests() {
      yield create(ServerReflectionRequestSchema, { messageRequest: { case: "listServices", value: "" } });
      yield create(ServerReflectionRequestSchema, {
        messageRequest: {
          case: "fileContainingSymbol",
          value: "universalcalendar.v1.AppointmentService.CreateAppointment",
        },
      });
      yield create(ServerReflectionRequestSchema, {
        messageRequest: { case: "fileContainingSymbol", value: "no.Such" },
      });
    }
    const responses = [];
    for await (const res of reflection.serverReflectionInfo(requests())) responses.push(res.messageResponse);

    const [list, files, missing] = responses;
    expect(list?.case).toBe("listServicesResponse");
    const names = list?.case === "listServicesResponse" ? list.value.service.map((s) => s.name) : [];
    expect(names).toEqual(
      expect.arrayContaining([
        "universalcalendar.v1.AppointmentService",
        "universalcalendar.v1.AvailabilityService",
        "universalcalendar.v1.CalendarService",
        "universalcalendar.v1.FieldServiceService",
        "universalcalendar.v1.SyncService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
      ]),
    );

    expect(files?.case).toBe("fileDescriptorResponse");
    const protos = files?.case === "fileDescriptorResponse" ? files.value.fileDescriptorProto : [];
    const decoded = protos.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
    expect(decoded.map((f) => f.name)).toEqual(
      expect.arrayContaining(["google/protobuf/timestamp.proto", "universalcalendar/v1/appointment.proto"]),
    );
    // The set is complete enough to build a registry, as grpcurl and buf curl do.
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: decoded }));
    expect(registry.getService("universalcalendar.v1.AppointmentService")?.methods.length).toBe(5);
    const appointmentFile = decoded.find((f) => f.name === "universalcalendar/v1/appointment.proto");
    const comments = appointmentFile?.sourceCodeInfo?.location.map((l) => l.leadingComments).join("\n") ?? "";
    expect(comments).toContain("Never double-books");

    expect(missing?.case).toBe("errorResponse");
  });
});

describe("server reflection v1alpha (older grpcurl)", () => {
  it("answers the same questions under the v1alpha package", async () => {
    const reflection = client(ServerReflectionV1alpha, grpcTransport(server.baseUrl));
    async function* requests() {
      yield create(ServerReflectionRequestV1alphaSchema, { messageRequest: { case: "listServices", value: "" } });
      yield create(ServerReflectionRequestV1alphaSchema, {
        messageRequest: { case: "fileContainingSymbol", value: "universalcalendar.v1.SyncService" },
      });
    }
    const responses = [];
    for await (const res of reflection.serverReflectionInfo(requests())) responses.push(res.messageResponse);
    const [list, files] = responses;
    const names = list?.case === "listServicesResponse" ? list.value.service.map((s) => s.name) : [];
    expect(names).toContain("universalcalendar.v1.SyncService");
    const protos = files?.case === "fileDescriptorResponse" ? files.value.fileDescriptorProto : [];
    expect(protos.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name)).toContain(
      "universalcalendar/v1/sync.proto",
    );
  });
});

describe("auth matrix", () => {
  const getPath = "universalcalendar.v1.AppointmentService/GetAppointment";

  it("refuses calls without credentials", async () => {
    const appointments = client(AppointmentService, grpcTransport(server.baseUrl));
    expect(await codeOf(appointments.getAppointment({ id: "a" }))).toBe(Code.Unauthenticated);
    expect(await codeOf(appointments.createAppointment({ tenantId: "t" }))).toBe(Code.Unauthenticated);
  });

  it("refuses a wrong service key, even next to a valid JWT", async () => {
    const jwt = await mintJwt(newTenantId());
    const appointments = client(AppointmentService, grpcTransport(server.baseUrl, { serviceKey: "wrong-key", jwt }));
    expect(await codeOf(appointments.getAppointment({ id: "a" }))).toBe(Code.Unauthenticated);
  });

  it("refuses expired, foreign-signed, malformed and tenant-less JWTs", async () => {
    const expired = await mintJwt(newTenantId(), { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    const foreign = await mintJwt(newTenantId(), { secret: "another-secret-another-secret-12345" });
    for (const jwt of [expired, foreign, "not.a.jwt"]) {
      const res = await postJson(server.baseUrl, getPath, { id: "a" }, { jwt });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe("unauthenticated");
    }
    const basic = await fetch(`${server.baseUrl}/${getPath}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Basic abc" },
      body: "{}",
    });
    expect(basic.status).toBe(401);
  });

  it("refuses a JWT on a key-only RPC with permission_denied", async () => {
    const jwt = await mintJwt(newTenantId());
    const appointments = client(AppointmentService, connectTransport(server.baseUrl, { jwt }));
    expect(await codeOf(appointments.createAppointment({}))).toBe(Code.PermissionDenied);
  });

  it("lets a valid key through to the handler", async () => {
    const appointments = client(AppointmentService, grpcTransport(server.baseUrl, serviceKey));
    expect(await codeOf(appointments.getAppointment({ id: "00000000-0000-4000-8000-000000000000" }))).not.toBe(
      Code.Unauthenticated,
    );
  });
});

describe("logging", () => {
  it("writes one line per RPC with method, code, duration and tenant, and no secrets", async () => {
    const tenantId = newTenantId();
    const jwt = await mintJwt(tenantId);
    const before = logLines.length;
    await postJson(server.baseUrl, "universalcalendar.v1.AppointmentService/ListAppointments", { tenantId }, { jwt });
    const lines = logLines.slice(before).filter((l) => l.msg === "rpc");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      method: "universalcalendar.v1.AppointmentService/ListAppointments",
      tenant: tenantId,
    });
    expect(typeof lines[0]?.code).toBe("string");
    expect(typeof lines[0]?.durationMs).toBe("number");
    const everything = JSON.stringify(logLines);
    expect(everything).not.toContain(jwt);
    expect(everything).not.toContain(TEST_SERVICE_KEY);
  });

  it("redacts PII and credentials wherever they sit in a logged object", () => {
    const lines: string[] = [];
    const logger = createLogger("info", { write: (line: string) => void lines.push(line) });
    logger.info({
      customerPhone: "+15551234567",
      appointment: { customerEmail: "a@b.test", customerName: "Ann Smith", address: "1 Main St" },
      integration: { accessToken: "ya29.secret", refreshToken: "1//refresh" },
    });
    const text = lines.join("");
    for (const secret of ["+15551234567", "a@b.test", "Ann Smith", "1 Main St", "ya29.secret", "1//refresh"]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe("health follows the database", () => {
  it("reports NOT_SERVING while the database refuses connections, SERVING again after", async () => {
    const admin = new pg.Client({ connectionString: inject("databaseUrl").replace(/\/[^/]+$/, "/postgres") });
    await admin.connect();
    const name = `uc_health_${Date.now()}`;
    await admin.query(`create database ${name}`);
    const url = inject("databaseUrl").replace(/\/[^/]+$/, `/${name}`);
    const probeServer = await startTestServer({ databaseUrl: url });
    const health = client(Health, grpcTransport(probeServer.baseUrl));
    try {
      expect((await health.check({})).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
      await admin.query(`alter database ${name} allow_connections false`);
      await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1`, [name]);
      await expect
        .poll(async () => (await health.check({})).status, { timeout: 10_000, interval: 300 })
        .toBe(HealthCheckResponse_ServingStatus.NOT_SERVING);
      expect((await fetch(`${probeServer.baseUrl}/readyz`)).status).toBe(503);
      await admin.query(`alter database ${name} allow_connections true`);
      await expect
        .poll(async () => (await health.check({})).status, { timeout: 10_000, interval: 300 })
        .toBe(HealthCheckResponse_ServingStatus.SERVING);
    } finally {
      await probeServer.close();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});
