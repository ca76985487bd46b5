import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/domain/errors.js";
import { normalisePhone, requirePhone } from "../../src/domain/validation.js";

/** Phones are judged by their country's possible lengths (libphonenumber's min metadata carries them). */
describe("phone numbers", () => {
  it.each(["+13125550142", "+15551234567", "+442071838750", "+4915123456789", "+5511912345678", "+61412345678"])(
    "accepts %s, a possible E.164 number",
    (phone) => expect(requirePhone("customer_phone", ` ${phone} `)).toBe(phone),
  );

  it.each([
    ["+1312555014", "not a possible phone number"],
    ["+131255501420", "not a possible phone number"],
    ["+4420718", "not a possible phone number"],
    ["(312) 555-0142", "must be E.164"],
    ["", "required"],
  ])("refuses %s, naming the field", (phone, reason) => {
    const attempt = () => requirePhone("customer_phone", phone);
    expect(attempt).toThrow(InvalidArgumentError);
    expect(attempt).toThrow(new RegExp(`customer_phone.*${reason.replace(/[()]/g, "\\$&")}`));
  });

  it.each([
    ["(312) 555-0142", "+13125550142"],
    ["+1 312.555.0142", "+13125550142"],
    ["tel:+13125550142", "+13125550142"],
    ["020 7183 8750", "+442071838750"],
  ])("reads %s as %s for lookups", (raw, e164) => {
    const region = raw.startsWith("020") ? "GB" : "US";
    expect(normalisePhone("phone", raw, region)).toBe(e164);
  });

  it("refuses a lookup by something that is not a phone number", () => {
    expect(() => normalisePhone("phone", "555-01")).toThrow(/phone.*not a phone number/);
  });
});
