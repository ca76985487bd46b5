import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import http2 from "node:http2";
import { fileURLToPath } from "node:url";
import { fromBinary, toBinary, create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import pg from "pg";
import {
  AppointmentSchema,
  AppointmentStatus,
  CreateAppointmentRequestSchema,
  CreateAppointmentResponseSchema,
  type CreateAppointmentRequest,
  GetAppointmentRequestSchema,
  GetAppointmentResponseSchema,
  ListAppointmentsRequestSchema,
  ListAppointmentsResponseSchema,
} from "../../gen/universalcalendar/v1/appointment_pb.js";
import { CheckAvailabilityRequestSchema } from "../../gen/universalcalendar/v1/availability_pb.js";
import {
  BOOK_UNLESS_BUSY,
  BUSY_PERIODS,
  CLEAR_STALE_HOLDS,
  COUNT_APPOINTMENTS_SQL,
  GET_APPOINTMENT,
  LIST_APPOINTMENTS_SQL,
  TENANT_SCHEDULE_LOCK,
  busyValues,
  lensValues,
  staleHoldValues,
} from "./service-sql.js";

/**
 * The ceiling of this machine for each benchmarked RPC: a bare node:http2
 * gRPC handler in its own process, no framework, running the service's SQL
 * as named prepared statements on a pg pool of the service's size, and
 * answering with a minimally encoded response (CheckAvailability: the
 * service's own answer, pre-encoded, since the slot engine is not I/O).
 */
const SERVICE_KEY = process.env.BASELINE_SERVICE_KEY ?? "";
const AVAILABILITY_ANSWER = Buffer.from(process.env.BASELINE_AVAILABILITY_ANSWER ?? "", "base64");
const MS_PER_DAY = 86_400_000;

const STATUS: Record<string, AppointmentStatus> = {
  pending: AppointmentStatus.PENDING,
  confirmed: AppointmentStatus.CONFIRMED,
  in_progress: AppointmentStatus.IN_PROGRESS,
  completed: AppointmentStatus.COMPLETED,
  cancelled: AppointmentStatus.CANCELLED,
  no_show: AppointmentStatus.NO_SHOW,
};

function frame(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + bytes.length);
  out.writeUInt8(0, 0);
  out.writeUInt32BE(bytes.length, 1);
  out.set(bytes, 5);
  return out;
}

type CustomerFields = Partial<Record<"customerName" | "customerPhone" | "customerEmail" | "address", string>>;

/** The baseline stores the record's plain JSON in the sealed column: its ceiling leaves out the service's encryption. */
const plainRecord = (r: CreateAppointmentRequest) =>
  Buffer.from(
    JSON.stringify({
      customerName: r.customerName,
      customerPhone: r.customerPhone,
      customerEmail: r.customerEmail || null,
      address: r.address || null,
      description: r.description || null,
      notes: r.notes || null,
      cancellationNotes: null,
    }),
    "utf8",
  );
/**
 * The customer fields of a row: its plain JSON when the baseline wrote it; a row the service wrote
 * (sealed, which the baseline cannot open) answers with the sealed bytes as the name, so the answer
 * stays about the size of the service's.
 */
const fieldsOf = (bytes: unknown): CustomerFields => {
  if (!(bytes instanceof Buffer)) return {};
  // Not by the first byte alone: a sealed record starts with a random IV, "{" one time in 256.
  if (bytes[0] === 0x7b) {
    try {
      return JSON.parse(bytes.toString("utf8")) as CustomerFields;
    } catch {
      // sealed after all
    }
  }
  return { customerName: bytes.toString("latin1") };
};

function appointmentOf(row: Record<string, unknown>) {
  const customer = fieldsOf(row.customer_data_enc);
  return create(AppointmentSchema, {
    id: row.id as string,
    tenantId: row.tenant_id as string,
    customerName: customer.customerName ?? "",
    customerPhone: customer.customerPhone ?? "",
    customerEmail: customer.customerEmail ?? "",
    title: row.title as string,
    jobType: (row.job_type as string | null) ?? "",
    startTime: timestampFromDate(row.start_time as Date),
    endTime: timestampFromDate(row.end_time as Date),
    status: STATUS[row.status as string] ?? AppointmentStatus.UNSPECIFIED,
    address: customer.address ?? "",
    estimatedCost: row.estimated_cost === null ? "" : String(row.estimated_cost),
    version: BigInt(row.version as number),
    createdAt: timestampFromDate(row.created_at as Date),
    updatedAt: timestampFromDate(row.updated_at as Date),
  });
}

type Handler = (pool: pg.Pool, body: Buffer) => Promise<Uint8Array>;

const handlers: Record<string, Handler> = {
  "/universalcalendar.v1.AppointmentService/GetAppointment": async (pool, body) => {
    const { id } = fromBinary(GetAppointmentRequestSchema, body.subarray(5));
    const { rows } = await pool.query({ ...GET_APPOINTMENT, values: [id, "service"] });
    return toBinary(
      GetAppointmentResponseSchema,
      create(GetAppointmentResponseSchema, { appointment: appointmentOf(rows[0]) }),
    );
  },
  "/universalcalendar.v1.AppointmentService/ListAppointments": async (pool, body) => {
    const r = fromBinary(ListAppointmentsRequestSchema, body.subarray(5));
    const limit = r.limit || 20;
    const page = r.page || 1;
    const [{ rows }, count] = await Promise.all([
      pool.query({ name: "list", text: LIST_APPOINTMENTS_SQL, values: [r.tenantId, limit, (page - 1) * limit] }),
      pool.query<{ total: number }>({ name: "count", text: COUNT_APPOINTMENTS_SQL, values: [r.tenantId] }),
    ]);
    const total = count.rows[0]!.total;
    return toBinary(
      ListAppointmentsResponseSchema,
      create(ListAppointmentsResponseSchema, {
        appointments: rows.map(appointmentOf),
        total,
        page,
        limit,
        pages: Math.ceil(total / limit),
      }),
    );
  },
  "/universalcalendar.v1.AppointmentService/CreateAppointment": async (pool, body) => {
    const r = fromBinary(CreateAppointmentRequestSchema, body.subarray(5));
    const start = new Date(Number(r.startTime!.seconds) * 1000);
    const end = new Date(Number(r.endTime!.seconds) * 1000);
    const values = [
      ...busyValues(r.tenantId, { start, end }),
      randomUUID(),
      plainRecord(r),
      r.title,
      r.jobType || null,
      "confirmed",
      null,
      null,
      r.estimatedCost || null,
      null,
      "service",
      "appointment.created",
      "{}",
      false,
      "notification.customer",
      "notify:none",
      "{}",
      false,
      null,
      null,
      null,
      null,
      null,
      null,
      "normal",
      null,
      null,
      // Placement: business-wide, the clock, no own hold, no job type, not a hold.
      null,
      new Date().toISOString(),
      null,
      null,
      null,
      null,
    ];
    // The service's round trip: BEGIN, the schedule lock, the booking statement and COMMIT, pipelined.
    const client = await pool.connect();
    try {
      const answers = await Promise.all([
        client.query("begin"),
        client.query({ ...TENANT_SCHEDULE_LOCK.booking, values: [`tenant-schedule:${r.tenantId}`] }),
        client.query({ ...CLEAR_STALE_HOLDS, values: staleHoldValues(r.tenantId, { start, end }, new Date()) }),
        client.query({ ...BOOK_UNLESS_BUSY, values }),
        client.query("commit"),
      ]);
      const row = answers[3].rows[0] as Record<string, unknown>;
      return toBinary(
        CreateAppointmentResponseSchema,
        create(
          CreateAppointmentResponseSchema,
          row.id ? { created: true, appointment: appointmentOf(row) } : { created: false },
        ),
      );
    } finally {
      client.release();
    }
  },
  "/universalcalendar.v1.AvailabilityService/CheckAvailability": async (pool, body) => {
    const r = fromBinary(CheckAvailabilityRequestSchema, body.subarray(5));
    const start = new Date(Date.parse(`${r.startDate}T00:00:00Z`) - MS_PER_DAY);
    const end = new Date(Date.parse(`${r.endDate}T00:00:00Z`) + 2 * MS_PER_DAY);
    await pool.query({
      ...BUSY_PERIODS,
      values: [...busyValues(r.tenantId, { start, end }), ...lensValues({ now: new Date() })],
    });
    return AVAILABILITY_ANSWER.subarray(5);
  },
};

function serve(): void {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20, pipeline: true } as pg.PoolConfig);
  const server = http2.createServer();
  server.on("stream", (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => {
      const handler = handlers[headers[":path"] as string];
      const answer = (status: number, bytes?: Uint8Array) => {
        stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": String(status) }));
        stream.end(bytes ? frame(bytes) : undefined);
      };
      if (!handler) return answer(12);
      if (headers["x-service-key"] !== SERVICE_KEY) return answer(16);
      handler(pool, Buffer.concat(chunks)).then(
        (bytes) => answer(0, bytes),
        (error: unknown) => (process.stderr.write(`baseline: ${String(error)}\n`), answer(13)),
      );
    });
  });
  server.listen(Number(process.env.PORT), "127.0.0.1", () => process.send?.("listening"));
}

const here = fileURLToPath(import.meta.url);
if (process.argv[1] === here) serve();

export interface BaselineServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts the baseline in its own process on port, against databaseUrl. */
export async function startBaselineServer(options: {
  databaseUrl: string;
  port: number;
  serviceKey: string;
  availabilityAnswer?: Buffer;
}): Promise<BaselineServer> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", here], {
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      PORT: String(options.port),
      BASELINE_SERVICE_KEY: options.serviceKey,
      BASELINE_AVAILABILITY_ANSWER: options.availabilityAnswer?.toString("base64") ?? "",
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  await new Promise<void>((resolve, reject) => {
    child.once("message", () => resolve());
    child.once("exit", (code) => reject(new Error(`baseline server exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${options.port}`,
    pid: child.pid!,
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
