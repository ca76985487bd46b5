import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError, NotFoundError } from "../../src/domain/errors.js";
import { createLogger } from "../../src/logger.js";
import { toConnectError } from "../../src/rpc/interceptors/error-mapping.js";

function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger("info", { write: (line: string) => void lines.push(line) }) };
}

describe("toConnectError", () => {
  it("maps domain errors to their codes without logging", () => {
    const { lines, logger } = capture();
    expect(toConnectError(new InvalidArgumentError("end_time", "must be after start_time"), logger, "m").code).toBe(
      Code.InvalidArgument,
    );
    expect(toConnectError(new NotFoundError("gone"), logger, "m").code).toBe(Code.NotFound);
    const passthrough = new ConnectError("x", Code.PermissionDenied);
    expect(toConnectError(passthrough, logger, "m")).toBe(passthrough);
    expect(lines).toHaveLength(0);
  });

  it("turns an unreachable database into unavailable", () => {
    const { logger } = capture();
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    expect(toConnectError(refused, logger, "m").code).toBe(Code.Unavailable);
    const terminating = Object.assign(new Error("terminating connection due to administrator command"), {
      code: "57P01",
    });
    expect(toConnectError(terminating, logger, "m").code).toBe(Code.Unavailable);
  });

  it("logs a database bug as internal with its SQLSTATE but without the SQL parameters", () => {
    const { lines, logger } = capture();
    const driverError = Object.assign(
      new Error(`insert into appointments (customer_name) values ('Dana Reyes', '+15551234567') - value too long`),
      { code: "22001", table: "appointments" },
    );
    const mapped = toConnectError(driverError, logger, "universalcalendar.v1.AppointmentService/CreateAppointment");
    expect(mapped.code).toBe(Code.Internal);
    expect(mapped.rawMessage).toBe("internal error");
    const text = lines.join("");
    expect(text).toContain('"sqlState":"22001"');
    expect(text).not.toContain("Dana Reyes");
    expect(text).not.toContain("+15551234567");
  });
});
