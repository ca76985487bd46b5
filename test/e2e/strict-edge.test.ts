import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AppointmentService,
  CreateAppointmentRequestSchema,
  GetAppointmentRequestSchema,
} from "../../gen/universalcalendar/v1/appointment_pb.js";
import { AvailabilityService, type BlockType } from "../../gen/universalcalendar/v1/availability_pb.js";
import { CalendarService } from "../../gen/universalcalendar/v1/calendar_pb.js";
import { Provider } from "../../gen/universalcalendar/v1/common_pb.js";
import type { Clock } from "../../src/domain/clock.js";
import { appointmentRequest } from "../support/appointment-requests.js";
import { client, grpcTransport, postJson, serviceKey } from "../support/clients.js";
import { errorOf } from "../support/errors.js";
import { grpcFrame, rawConnectCall, rawGrpcCall } from "../support/raw-rpc.js";
import { newTenantId, startTestServer, type TestServer } from "../support/test-server.js";

/** A clock the tests move: "now" is Sunday 2030-01-06 12:00 UTC unless a test says otherwise. */
let now = new Date("2030-01-06T12:00:00Z");
const clock: Clock = { now: () => new Date(now) };

let server: TestServer;
let caldav431: http.Server;

beforeAll(async () => {
  // An Apple CalDAV host that refuses every request with 431 (our headers too large).
  caldav431 = http.createServer((_req, res) => {
    res.writeHead(431);
    res.end();
  });
  await new Promise<void>((resolve) => caldav431.listen(0, "127.0.0.1", resolve));
  const caldavUrl = `http://127.0.0.1:${(caldav431.address() as AddressInfo).port}/`;
  server = await startTestServer({ clock, env: { APPLE_CALDAV_URL: caldavUrl } });
});
afterAll(async () => {
  await server?.close();
  await new Promise((resolve) => caldav431?.close(resolve));
});

const CREATE = "universalcalendar.v1.AppointmentService/CreateAppointment";
const appointments = () => client(AppointmentService, grpcTransport(server.baseUrl, serviceKey));
const availability = () => client(AvailabilityService, grpcTransport(server.baseUrl, serviceKey));

function createJson(tenantId: string, overrides: Record<string, unknown> = {}) {
  return {
    tenantId,
    customerName: "Dana Customer",
    customerPhone: "+15551234567",
    title: "Fix sink",
    startTime: "2030-01-07T16:00:00Z",
    endTime: "2030-01-07T17:00:00Z",
    ...overrides,
  };
}

async function appointmentCount(tenantId: string): Promise<number> {
  const [row] = await server.orm.em
    .fork()
    .execute<{ n: string }[]>("select count(*) as n from appointments where tenant_id = ?", [tenantId]);
  return Number(row?.n);
}

describe("Connect JSON responses", () => {
  it("carry every field, implicit defaults included", async () => {
    const tenantId = newTenantId();
    const list = await postJson(
      server.baseUrl,
      "universalcalendar.v1.AppointmentService/ListAppointments",
      { tenantId },
      serviceKey,
    );
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ appointments: [], total: 0, page: 1, pages: 0 });

    const booked = await postJson(server.baseUrl, CREATE, createJson(tenantId), serviceKey);
    expect(booked.body.created).toBe(true);
    const appointment = booked.body.appointment as Record<string, unknown>;
    expect(appointment).toMatchObject({
      description: "",
      notes: "",
      cancellationReason: "CANCELLATION_REASON_UNSPECIFIED",
    });
    const refused = await postJson(server.baseUrl, CREATE, createJson(tenantId), serviceKey);
    expect(refused.body).toMatchObject({ created: false });
  });
});

describe("strict JSON", () => {
  it("refuses an unknown field, naming it", async () => {
    const res = await postJson(
      server.baseUrl,
      "universalcalendar.v1.AvailabilityService/CheckAvailability",
      {
        tenantId: newTenantId(),
        startDate: "2030-01-07",
        endDate: "2030-01-08",
        durationMinutes: 60,
        timezone: "America/New_York",
      },
      serviceKey,
    );
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("invalid_argument");
    expect(res.body.message).toContain("timezone");
  });

  it("refuses an unknown field inside a nested message, naming its path", async () => {
    const res = await postJson(
      server.baseUrl,
      "universalcalendar.v1.AvailabilityService/UpdateSchedulingRules",
      { tenantId: newTenantId(), rules: { timeZone: "UTC", slotIntervalMinute: 15 } },
      serviceKey,
    );
    expect(res.body.code).toBe("invalid_argument");
    expect(res.body.message).toContain("rules.slotIntervalMinute");
  });

  it("refuses an unknown enum name, naming the field", async () => {
    const tenantId = newTenantId();
    const res = await postJson(server.baseUrl, CREATE, createJson(tenantId, { status: "BOGUS" }), serviceKey);
    expect(res.body.code).toBe("invalid_argument");
    expect(res.body.message).toMatch(/^status: /);
    expect(await appointmentCount(tenantId)).toBe(0);
  });

  it("refuses an out-of-range enum number, naming the field", async () => {
    const tenantId = newTenantId();
    const res = await postJson(
      server.baseUrl,
      "universalcalendar.v1.AvailabilityService/BlockTime",
      { tenantId, startTime: "2030-01-07T16:00:00Z", endTime: "2030-01-07T17:00:00Z", title: "x", type: 99 },
      serviceKey,
    );
    expect(res.body.code).toBe("invalid_argument");
    expect(res.body.message).toMatch(/^type: /);
  });

  it("names the field of a malformed timestamp", async () => {
    const res = await postJson(server.baseUrl, CREATE, createJson(newTenantId(), { endTime: "tomorrow" }), serviceKey);
    expect(res.body.code).toBe("invalid_argument");
    expect(res.body.message).toMatch(/^end_time: /);
  });

  it.each([
    ["start_time", { startTime: "2031-02-30T10:00:00Z", endTime: "2031-03-02T11:00:00Z" }],
    ["end_time", { startTime: "2030-04-30T10:00:00Z", endTime: "2030-04-31T11:00:00Z" }],
    ["start_time", { startTime: "2031-02-29T10:00:00Z", endTime: "2031-03-01T11:00:00Z" }],
  ])("refuses a timestamp on a day that does not exist, naming %s and booking nothing", async (field, times) => {
    const tenantId = newTenantId();
    const res = await postJson(server.baseUrl, CREATE, createJson(tenantId, times), serviceKey);
    expect(res.body.code).toBe("invalid_argument");
    expect(res.body.message).toMatch(new RegExp(`^${field}: .*no such day`));
    expect(await appointmentCount(tenantId)).toBe(0);
  });

  it("takes a leap day that exists", async () => {
    const res = await postJson(
      server.baseUrl,
      CREATE,
      createJson(newTenantId(), { startTime: "2032-02-29T10:00:00Z", endTime: "2032-02-29T11:00:00Z" }),
      serviceKey,
    );
    expect(res.status).toBe(200);
  });

  it("refuses a body that is not JSON", async () => {
    const res = await rawConnectCall(server.baseUrl, CREATE, "{ nope", { contentType: "application/json" });
    expect(res).toMatchObject({ httpStatus: 400, code: "invalid_argument" });
  });
});

describe("values PostgreSQL cannot store", () => {
  it("refuses NUL characters in strings, naming the field", async () => {
    const tenantId = newTenantId();
    const res = await postJson(
      server.baseUrl,
      CREATE,
      createJson(tenantId, { customerName: "Dana\u0000Customer" }),
      serviceKey,
    );
    expect(res.body.code).toBe("invalid_argument");
    expect(res.body.message).toMatch(/^customer_name: /);
    expect(await appointmentCount(tenantId)).toBe(0);
  });

  it.each([
    ["year 0001", "0001-01-01T00:00:00Z", "0001-01-01T01:00:00Z"],
    ["the end of year 9999", "9999-12-31T22:00:00Z", "9999-12-31T23:00:00Z"],
  ])("refuses timestamps outside the supported range over JSON: %s", async (_name, start, end) => {
    const tenantId = newTenantId();
    const res = await postJson(
      server.baseUrl,
      CREATE,
      createJson(tenantId, { startTime: start, endTime: end }),
      serviceKey,
    );
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("invalid_argument");
    expect(res.body.message).toMatch(/^start_time: /);
  });

  it.each([250_000, -250_000])("refuses a timestamp %i years from 1970 over gRPC", async (years) => {
    const tenantId = newTenantId();
    const seconds = BigInt(Math.round(years * 365.2425 * 86_400));
    const request = appointmentRequest(tenantId, "2030-01-07T16:00:00Z", "2030-01-07T17:00:00Z", {
      startTime: { seconds, nanos: 0 },
      endTime: { seconds: seconds + 3600n, nanos: 0 },
    });
    const error = await errorOf(appointments().createAppointment(request));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toMatch(/^start_time: /);
  });

  it("refuses an out-of-range enum number sent over gRPC (open enum)", async () => {
    const tenantId = newTenantId();
    const error = await errorOf(
      availability().blockTime({
        tenantId,
        startTime: timestampFromDate(new Date("2030-01-07T16:00:00Z")),
        endTime: timestampFromDate(new Date("2030-01-07T17:00:00Z")),
        title: "lunch",
        type: 99 as BlockType,
      }),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toMatch(/^type: /);
  });
});

describe("bookings in the past", () => {
  it("CreateAppointment refuses a start before now with invalid_argument on start_time", async () => {
    const tenantId = newTenantId();
    const error = await errorOf(
      appointments().createAppointment(appointmentRequest(tenantId, "2030-01-06T10:00:00Z", "2030-01-06T11:00:00Z")),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toMatch(/^start_time: .*past/);
    expect(await appointmentCount(tenantId)).toBe(0);
  });

  it("UpdateAppointment refuses a move into the past but still edits an appointment that has started", async () => {
    const tenantId = newTenantId();
    const api = appointments();
    const booked = await api.createAppointment(
      appointmentRequest(tenantId, "2030-01-06T13:00:00Z", "2030-01-06T14:00:00Z"),
    );
    expect(booked.created).toBe(true);
    const id = booked.appointment!.id;
    const error = await errorOf(
      api.updateAppointment({
        id,
        startTime: timestampFromDate(new Date("2030-01-06T09:00:00Z")),
        endTime: timestampFromDate(new Date("2030-01-06T10:00:00Z")),
      }),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toMatch(/^start_time: .*past/);

    now = new Date("2030-01-06T13:30:00Z");
    try {
      const edited = await api.updateAppointment({
        id,
        notes: "running late",
        endTime: timestampFromDate(new Date("2030-01-06T14:30:00Z")),
      });
      expect(edited.updated).toBe(true);
    } finally {
      now = new Date("2030-01-06T12:00:00Z");
    }
  });
});

describe("malformed binary payloads", () => {
  const valid = toBinary(GetAppointmentRequestSchema, create(GetAppointmentRequestSchema, { id: "x" }));
  const cases: [string, Uint8Array][] = [
    ["a bad tag", Uint8Array.from([0x07, 0x01])],
    ["a truncated message", valid.subarray(0, valid.length - 1)],
    ["bad UTF-8 in a string", Uint8Array.from([0x0a, 0x02, 0xc3, 0x28])],
    ["a field number 0", Uint8Array.from([0x00, 0x01])],
  ];

  it.each(cases)("gRPC: %s is invalid_argument", async (_name, payload) => {
    const session = http2.connect(server.baseUrl);
    try {
      const res = await rawGrpcCall(
        session,
        "universalcalendar.v1.AppointmentService/GetAppointment",
        grpcFrame(payload),
      );
      expect(res.code).toBe("invalid_argument");
    } finally {
      session.close();
    }
  });

  it.each(cases)("Connect binary: %s is invalid_argument", async (_name, payload) => {
    const res = await rawConnectCall(server.baseUrl, "universalcalendar.v1.AppointmentService/GetAppointment", payload);
    expect(res).toMatchObject({ httpStatus: 400, code: "invalid_argument" });
  });

  it("gRPC: a compressed flag without negotiated compression is invalid_argument", async () => {
    const session = http2.connect(server.baseUrl);
    try {
      const res = await rawGrpcCall(
        session,
        "universalcalendar.v1.AppointmentService/GetAppointment",
        grpcFrame(valid, 1),
      );
      expect(res.code).toBe("invalid_argument");
    } finally {
      session.close();
    }
  });

  it("gRPC: a frame shorter than its declared length is invalid_argument", async () => {
    const session = http2.connect(server.baseUrl);
    try {
      const res = await rawGrpcCall(
        session,
        "universalcalendar.v1.AppointmentService/GetAppointment",
        grpcFrame(valid, 0, 50),
      );
      expect(res.code).toBe("invalid_argument");
    } finally {
      session.close();
    }
  });
});

describe("request size limit on HTTP/2", () => {
  it("ends an oversized gRPC message cleanly and the connection stays usable", async () => {
    const session = http2.connect(server.baseUrl);
    try {
      const big = toBinary(
        CreateAppointmentRequestSchema,
        appointmentRequest(newTenantId(), "2030-01-07T16:00:00Z", "2030-01-07T17:00:00Z", {
          notes: "n".repeat(1_200_000),
        }),
      );
      const refused = await rawGrpcCall(session, CREATE, grpcFrame(big), { timeoutMs: 5000 });
      expect(refused.code).toBe("resource_exhausted");
      const next = await rawGrpcCall(
        session,
        "universalcalendar.v1.AppointmentService/GetAppointment",
        grpcFrame(
          toBinary(
            GetAppointmentRequestSchema,
            create(GetAppointmentRequestSchema, { id: "00000000-0000-4000-8000-000000000000" }),
          ),
        ),
        { timeoutMs: 5000 },
      );
      expect(next.code).toBe("not_found");
    } finally {
      session.close();
    }
  });
});

describe("provider answers", () => {
  it("maps a provider 431 to failed_precondition, not internal", async () => {
    const calendar = client(CalendarService, grpcTransport(server.baseUrl, serviceKey));
    const error = await errorOf(
      calendar.connectCalendar({
        tenantId: newTenantId(),
        provider: Provider.APPLE,
        appleCredentials: { appleId: "someone@example.test", appSpecificPassword: "abcd-efgh-ijkl-mnop" },
      }),
    );
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(error.rawMessage).toContain("431");
  });
});
