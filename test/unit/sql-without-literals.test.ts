import { describe, expect, it } from "vitest";
import { sqlWithoutLiterals } from "../../src/observability/sql-without-literals.js";

describe("sqlWithoutLiterals (traced statements carry no values)", () => {
  it("replaces strings, quoted quotes, dollar-quoted text and numbers, keeping identifiers and parameters", () => {
    expect(
      sqlWithoutLiterals(
        `insert into "t_1" (name, phone, lat) values ('O''Brien', '+15551234567', -41.5e3) returning id, $1::int`,
      ),
    ).toBe(`insert into "t_1" (name, phone, lat) values (?, ?, ?) returning id, $1::int`);
    expect(sqlWithoutLiterals("select $tag$secret 'x'$tag$ from uc_test_123 limit 10")).toBe(
      "select ? from uc_test_123 limit ?",
    );
  });
});
