import type { ChildProcess } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterEach, describe, expect, inject, it } from "vitest";
import { AppointmentService } from "../../gen/universalcalendar/v1/appointment_pb.js";
import { appointmentRequest } from "../support/appointment-requests.js";
import { client, grpcTransport } from "../support/clients.js";
import { startServiceProcess, untilReady, type ServiceProcess } from "../support/service-process.js";
import { newTenantId } from "../support/test-server.js";

const KEY = "lifecycle-service-key-0123";

/** `node --import tsx src/main.ts` with this file's service key; killed after each test. */
async function startService(env: Record<string, string>): Promise<ServiceProcess> {
  const service = await startServiceProcess({ INTERNAL_SERVICE_KEY: KEY, ...env });
  running.push(service.child);
  return service;
}

const running: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const slot = (i: number) => {
  const start = new Date(Date.parse("2030-03-01T00:00:00Z") + i * 3_600_000);
  return [start.toISOString(), new Date(start.getTime() + 3_600_000).toISOString()] as const;
};

describe("the service process", () => {
  it("starts on an embedded PostgreSQL when DATABASE_URL is unset, serves, and stops on SIGTERM", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "uc-lifecycle-"));
    await chmod(dataDir, 0o755);
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const service = await startService({ EMBEDDED_PG_DIR: path.join(dataDir, "postgres") });
    await untilReady(service);
    expect(service.output()).toContain("DATABASE_URL unset: starting embedded PostgreSQL");

    const appointments = client(AppointmentService, grpcTransport(service.baseUrl, { serviceKey: KEY }));
    const booked = await appointments.createAppointment(appointmentRequest("lifecycle", ...slot(0)));
    expect(booked.created).toBe(true);

    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
    expect(service.output()).toContain('"msg":"stopped"');
  }, 120_000);

  it("finishes calls that are in flight when SIGTERM arrives", async () => {
    const databaseUrl = inject("databaseUrl");
    const service = await startService({ DATABASE_URL: databaseUrl });
    await untilReady(service);

    // Hold the idempotency key in an open transaction: every call below
    // blocks inside the server on that row lock, provably in flight.
    const tenantId = newTenantId();
    const blocker = new pg.Client({ connectionString: databaseUrl });
    await blocker.connect();
    cleanups.push(() => blocker.end());
    await blocker.query("begin");
    await blocker.query(
      `insert into idempotency_records (tenant_id, scope, key) values ($1, 'appointment.create', 'drain')`,
      [tenantId],
    );
    const appointments = client(AppointmentService, grpcTransport(service.baseUrl, { serviceKey: KEY }));
    const calls = Array.from({ length: 20 }, () =>
      appointments.createAppointment(appointmentRequest(tenantId, ...slot(1), { idempotencyKey: "drain" })),
    );
    // pg_stat_activity is a per-transaction snapshot: watch from another connection.
    const observer = new pg.Client({ connectionString: databaseUrl });
    await observer.connect();
    cleanups.push(() => observer.end());
    const waiting = async () => {
      const { rows } = await observer.query<{ n: string }>(
        `select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%idempotency_records%'`,
      );
      return Number(rows[0]?.n);
    };
    await expect.poll(waiting, { timeout: 20_000, interval: 100 }).toBeGreaterThan(0);

    service.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(service.child.exitCode).toBeNull();
    await blocker.query("rollback");

    const results = await Promise.all(calls);
    expect(results.every((r) => r.created)).toBe(true);
    expect(new Set(results.map((r) => r.appointment?.id)).size).toBe(1);
    expect(await service.exited).toBe(0);
    expect(service.output()).toContain('"msg":"stopped"');
  }, 120_000);

  it("hands the C heap's free pages back once it goes idle after work", async () => {
    const service = await startService({ DATABASE_URL: inject("databaseUrl"), LOG_LEVEL: "debug" });
    await untilReady(service);
    const appointments = client(AppointmentService, grpcTransport(service.baseUrl, { serviceKey: KEY }));
    const tenantId = newTenantId();
    for (let i = 0; i < 50; i++) await appointments.createAppointment(appointmentRequest(tenantId, ...slot(100 + i)));
    // Windows of 5 s: the one holding the calls is work, a later quiet one releases.
    await expect
      .poll(() => /"msg":"idle: freed C heap pages returned"/.test(service.output()), {
        timeout: 30_000,
        interval: 500,
      })
      .toBe(true);
    const released = service
      .output()
      .split("\n")
      .find((line) => line.includes("idle: freed C heap pages returned"));
    expect(JSON.parse(released!)).toMatchObject({ rssBeforeMb: expect.any(Number), rssAfterMb: expect.any(Number) });
  }, 60_000);

  it("refuses to start on a bad variable with one line naming it", async () => {
    const service = await startService({ PORT: "not-a-port" });
    expect(await service.exited).toBe(1);
    expect(service.output().trim()).toBe(
      'configuration error: PORT must be an integer from 0 to 65535, got "not-a-port"',
    );
  });
});
