import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppointmentService } from "../../gen/universalcalendar/v1/appointment_pb.js";
import { fixedClock } from "../../src/domain/clock.js";
import { createLogger } from "../../src/logger.js";
import { appointmentRequest } from "../support/appointment-requests.js";
import { client, grpcTransport, serviceKey } from "../support/clients.js";
import { errorOf } from "../support/errors.js";
import { newTenantId, startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
const logOutput: string[] = [];
const tenantId = newTenantId();
const trigger = `log_privacy_${tenantId.replace(/[^a-z0-9]/gi, "").slice(-12)}`;

// Distinctive values: none of them may appear anywhere in the log output.
const PII = {
  customerName: "Zebulon Quackenbush-Privacy",
  customerPhone: "+14155550199",
  customerEmail: "zebulon.quackenbush@privacy.example",
  notes: "gate code 918273 behind the blue shed",
  address: "77 Sesquipedalian Lane",
  // Stored in the clear (ids, not personal data), so the refusing trigger can quote them back.
  title: "Quote-back title 5ae1",
  customerId: "cust-quote-back-5ae1",
  leadId: "lead-quote-back-5ae1",
  conversationId: "conv-quote-back-5ae1",
};

beforeAll(async () => {
  server = await startTestServer({
    clock: fixedClock("2030-01-06T12:00:00Z"),
    logger: createLogger("debug", { write: (line: string) => void logOutput.push(line) }),
  });
  // The database refuses this tenant's bookings, quoting the row back, as a constraint or trigger message would.
  await server.orm.em.fork().execute(`
    create function ${trigger}() returns trigger language plpgsql as $$
    begin
      if new.tenant_id = '${tenantId}' then
        raise exception 'refused row: % % % %', new.title, new.customer_id, new.lead_id, new.conversation_id;
      end if;
      return new;
    end $$;
    create trigger ${trigger} before insert on appointments for each row execute function ${trigger}();
  `);
});
afterAll(async () => {
  await server?.orm.em
    .fork()
    .execute(`drop trigger if exists ${trigger} on appointments; drop function if exists ${trigger}();`);
  await server?.close();
});

describe("logs", () => {
  it("never carry the SQL values or driver message of a failed CreateAppointment", async () => {
    const api = client(AppointmentService, grpcTransport(server.baseUrl, serviceKey));
    const error = await errorOf(
      api.createAppointment(appointmentRequest(tenantId, "2030-01-07T16:00:00Z", "2030-01-07T17:00:00Z", PII)),
    );
    expect(error.code).toBe(Code.Internal);
    expect(error.rawMessage).toBe("internal error");
    const log = logOutput.join("\n");
    // The failure is logged (so the test is looking at the right place) ...
    expect(log).toContain('"msg":"internal error"');
    expect(log).toContain("P0001");
    // ... without any of the customer's data, the statement or the driver's message.
    for (const value of Object.values(PII)) expect(log).not.toContain(value);
    expect(log).not.toContain("refused row");
    expect(log).not.toMatch(/insert into/i);
  });
});
