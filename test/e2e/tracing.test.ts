import { Writable } from "node:stream";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppointmentService } from "../../gen/universalcalendar/v1/appointment_pb.js";
import { createLogger } from "../../src/logger.js";
import { startTracing, type Tracing } from "../../src/observability/tracing.js";
import { GoogleCalendarFake } from "../fakes/google/google-calendar-fake.js";
import { connectGoogle, waitForSync } from "../fakes/google/google-oauth-flow.js";
import { appointmentRequest } from "../support/appointment-requests.js";
import { client, connectTransport, serviceKey } from "../support/clients.js";
import { newTenantId, startTestServer, type TestServer } from "../support/test-server.js";

// This file's worker has tracing on, exporting in process; other test files run without it.
const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let fake: GoogleCalendarFake;
let server: TestServer;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  tracing = startTracing({ exporter });
  fake = await GoogleCalendarFake.start();
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) logLines.push(JSON.parse(line));
      done();
    },
  });
  server = await startTestServer({ env: fake.env(), tracer: tracing.tracer, logger: createLogger("info", logStream) });
});
afterAll(async () => {
  await server?.close();
  await fake?.close();
  await tracing?.shutdown();
});

const hour = (days: number, h: number) => {
  const d = new Date(Date.now() + days * 86_400_000);
  d.setUTCHours(h, 0, 0, 0);
  return d.toISOString();
};

/** The spans of one trace as an indented tree of names, children in start order. */
function treeOf(spans: ReadableSpan[], root: ReadableSpan, depth = 0): string[] {
  const children = spans
    .filter((s) => s.parentSpanContext?.spanId === root.spanContext().spanId)
    .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
  return [`${"  ".repeat(depth)}${root.name}`, ...children.flatMap((child) => treeOf(spans, child, depth + 1))];
}

function rpcSpan(name: string): ReadableSpan {
  const span = exporter.getFinishedSpans().find((s) => s.name === name);
  if (!span) throw new Error(`no span named ${name}`);
  return span;
}

describe("tracing", () => {
  it("gives one CreateAppointment a server span with its database queries as children, and its trace id to the log line", async () => {
    const tenantId = newTenantId();
    exporter.reset();
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const appointments = client(AppointmentService, connectTransport(server.baseUrl, serviceKey));
    const booked = await appointments.createAppointment(appointmentRequest(tenantId, hour(4, 15), hour(4, 16)), {
      headers: { traceparent },
    });
    expect(booked.created).toBe(true);

    const root = rpcSpan("universalcalendar.v1.AppointmentService/CreateAppointment");
    // The caller's W3C trace context is continued.
    expect(root.spanContext().traceId).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(root.parentSpanContext?.spanId).toBe("b7ad6b7169203331");
    expect(root.kind).toBe(1); // SpanKind.SERVER
    expect(root.attributes).toMatchObject({
      "rpc.system": "connect_rpc",
      "rpc.service": "universalcalendar.v1.AppointmentService",
      "rpc.method": "CreateAppointment",
      "rpc.connect_rpc.error_code": "ok",
    });
    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === root.spanContext().traceId);
    const tree = treeOf(spans, root);
    console.log(`span tree of one CreateAppointment:\n${tree.join("\n")}`);
    const queries = spans.filter(
      (s) => s.attributes["db.system.name"] === "postgresql" || s.attributes["db.system"] === "postgresql",
    );
    expect(queries.length).toBeGreaterThanOrEqual(2);
    for (const query of queries) {
      expect(query.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      // Statements only, never the values bound to them (customer names, phones).
      expect(JSON.stringify(query.attributes)).not.toContain("Dana Plumber-Customer");
    }
    expect(tree.slice(1).every((line) => line.startsWith("  pg."))).toBe(true);

    const rpcLine = logLines.find(
      (line) => line.msg === "rpc" && line.method === "universalcalendar.v1.AppointmentService/CreateAppointment",
    );
    expect(rpcLine).toMatchObject({ traceId: root.spanContext().traceId, spanId: root.spanContext().spanId });
  });

  it("gives each provider HTTP call an RPC makes a client span under the RPC's span", async () => {
    const tenantId = newTenantId();
    const email = `traced-${tenantId}@example.test`;
    fake.addAccount(email);
    fake.loginAs(email);
    exporter.reset();
    const connected = await connectGoogle(server, tenantId);
    await waitForSync(server, connected.syncId);

    const root = rpcSpan("universalcalendar.v1.CalendarService/CompleteOAuth");
    const children = exporter
      .getFinishedSpans()
      .filter((s) => s.parentSpanContext?.spanId === root.spanContext().spanId);
    const httpCalls = children.filter((s) => s.kind === 2); // SpanKind.CLIENT
    const fakePort = String(new URL(fake.env().GOOGLE_OAUTH_TOKEN_URL!).port);
    expect(httpCalls.some((s) => JSON.stringify(s.attributes).includes(fakePort))).toBe(true);
    expect(children.some((s) => s.name.startsWith("pg."))).toBe(true);
  });

  it("logs no trace id outside a span", () => {
    server.app.logger.info({ probe: "outside" }, "untraced line");
    const line = logLines.find((l) => l.probe === "outside");
    expect(line).toBeDefined();
    expect(line).not.toHaveProperty("traceId");
  });
});
