// The default (min) metadata: a number's possible lengths are all requirePhone and normalisePhone ask
// of it (the max set adds type patterns, ~1 MB of heap beside the min set customer matching loads).
import { parsePhoneNumberWithError, type CountryCode } from "libphonenumber-js";
import { IANAZone } from "./luxon.js";
import { InvalidArgumentError } from "./errors.js";

/** Field validators shared by every use case; each names the proto field it checks. */

export function requireText(field: string, value: string, maxLength: number): string {
  const trimmed = value.trim();
  if (!trimmed) throw new InvalidArgumentError(field, "required");
  if (trimmed.length > maxLength) throw new InvalidArgumentError(field, `at most ${maxLength} characters`);
  return trimmed;
}

/** Empty becomes null: optional text is stored as absent, not as "". */
export function optionalText(field: string, value: string | undefined, maxLength: number): string | null {
  const trimmed = value?.trim() ?? "";
  if (!trimmed) return null;
  if (trimmed.length > maxLength) throw new InvalidArgumentError(field, `at most ${maxLength} characters`);
  return trimmed;
}

const E164 = /^\+[1-9]\d{6,14}$/;

/** E.164 and a possible number for its country (libphonenumber's length rules). */
export function requirePhone(field: string, value: string): string {
  const phone = value.trim();
  if (!phone) throw new InvalidArgumentError(field, "required");
  if (!E164.test(phone)) throw new InvalidArgumentError(field, 'must be E.164, e.g. "+15551234567"');
  try {
    if (parsePhoneNumberWithError(phone).isPossible()) return phone;
  } catch {
    // falls through to the same error as an impossible number
  }
  throw new InvalidArgumentError(field, "not a possible phone number");
}

/**
 * A phone number in any formatting ("(555) 123-4567", "+1 555.123.4567",
 * "tel:+15551234567") as E.164; numbers without a country code are read in
 * defaultCountry. For lookups: stored numbers are E.164 already.
 */
export function normalisePhone(field: string, value: string, defaultCountry: CountryCode = "US"): string {
  const raw = value.trim().replace(/^tel:/i, "");
  try {
    const parsed = parsePhoneNumberWithError(raw, defaultCountry);
    if (parsed.isPossible()) return parsed.number;
  } catch {
    // falls through to the same error as an impossible number
  }
  throw new InvalidArgumentError(field, "not a phone number");
}

/** An IANA zone name such as "America/Chicago"; empty means unknown. */
export function optionalTimeZone(field: string, value: string | undefined): string | null {
  const zone = value?.trim() ?? "";
  if (!zone) return null;
  if (!IANAZone.isValidZone(zone))
    throw new InvalidArgumentError(field, 'must be an IANA time zone, e.g. "America/Chicago"');
  return zone;
}

/** Whole minutes 1..max; 0 means unknown. */
export function optionalMinutes(field: string, value: number | undefined, max: number): number | null {
  if (value === undefined || value === 0) return null;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidArgumentError(field, `must be whole minutes from 1 to ${max}`);
  }
  return value;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function optionalEmail(field: string, value: string | undefined): string | null {
  const email = value?.trim() ?? "";
  if (!email) return null;
  if (email.length > 254 || !EMAIL.test(email)) throw new InvalidArgumentError(field, "not a valid email address");
  return email;
}

const MONEY = /^\d{1,10}(\.\d{1,2})?$/;

/** Decimal string >= 0 with at most 2 fraction digits; empty means unknown. */
export function optionalMoney(field: string, value: string | undefined): string | null {
  const money = value?.trim() ?? "";
  if (!money) return null;
  if (money.startsWith("-")) throw new InvalidArgumentError(field, "must not be negative");
  if (/^\d+\.\d{3,}$/.test(money)) throw new InvalidArgumentError(field, "at most 2 fraction digits");
  if (!MONEY.test(money)) throw new InvalidArgumentError(field, 'must be a decimal string such as "350.00"');
  return money;
}

export function optionalCoordinate(field: string, value: number | undefined, limit: 90 | 180): number | null {
  if (value === undefined) return null;
  if (!Number.isFinite(value) || value < -limit || value > limit) {
    throw new InvalidArgumentError(field, `must be between -${limit} and ${limit}`);
  }
  return value;
}

/** An optimistic-concurrency version read earlier, or 0 for "no check"; as a number (versions stay far below 2^53). */
export function requireExpectedVersion(field: string, value: bigint): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidArgumentError(field, "must be 0 (no check) or the version last read");
  }
  return Number(value);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function requireUuid(field: string, value: string): string {
  if (!UUID.test(value)) throw new InvalidArgumentError(field, "must be a UUID");
  return value.toLowerCase();
}

export const MAX_APPOINTMENT_MS = 24 * 60 * 60 * 1000;

/** A half-open [start, end) of at most 24 hours. */
export function requireTimeRange(start: Date | undefined, end: Date | undefined): { start: Date; end: Date } {
  if (!start) throw new InvalidArgumentError("start_time", "required");
  if (!end) throw new InvalidArgumentError("end_time", "required");
  if (end.getTime() <= start.getTime()) throw new InvalidArgumentError("end_time", "must be after start_time");
  if (end.getTime() - start.getTime() > MAX_APPOINTMENT_MS) {
    throw new InvalidArgumentError("end_time", "an appointment lasts at most 24 hours");
  }
  return { start, end };
}

export interface Page {
  page: number;
  limit: number;
  offset: number;
}

/** page >= 1 (default 1), limit 1..100 (default 20). 0 means "not set" in proto3. */
export function requirePage(page: number, limit: number): Page {
  const p = page === 0 ? 1 : page;
  const l = limit === 0 ? 20 : limit;
  if (!Number.isInteger(p) || p < 1) throw new InvalidArgumentError("page", "must be at least 1");
  if (!Number.isInteger(l) || l < 1 || l > 100) throw new InvalidArgumentError("limit", "must be from 1 to 100");
  return { page: p, limit: l, offset: (p - 1) * l };
}

/**
 * Instants the service accepts in any Timestamp field. PostgreSQL's timestamptz
 * and luxon reach much further, but local dates past year 9999 stop being
 * RFC 3339 (and ISO strings PostgreSQL parses), and a year of margin below
 * that keeps time-zone offsets, 62-day windows and booking horizons inside it.
 * 1900 is older than any schedule a trades business keeps.
 */
export const SUPPORTED_INSTANTS = {
  earliest: new Date("1900-01-01T00:00:00Z"),
  latest: new Date("9999-01-01T00:00:00Z"),
} as const;

export function requireSupportedInstant(field: string, seconds: bigint, nanos: number): Date {
  if (!Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) {
    throw new InvalidArgumentError(field, "nanos must be from 0 to 999999999");
  }
  const earliest = BigInt(SUPPORTED_INSTANTS.earliest.getTime() / 1000);
  const latest = BigInt(SUPPORTED_INSTANTS.latest.getTime() / 1000);
  if (seconds < earliest || seconds >= latest) {
    throw new InvalidArgumentError(
      field,
      `must be from ${SUPPORTED_INSTANTS.earliest.toISOString()} to before ${SUPPORTED_INSTANTS.latest.toISOString()}`,
    );
  }
  return new Date(Number(seconds) * 1000 + Math.floor(nanos / 1_000_000));
}

/** PostgreSQL text cannot hold U+0000. */
export function requireNoNul(field: string, value: string): string {
  if (value.includes("\u0000")) throw new InvalidArgumentError(field, "must not contain NUL characters");
  return value;
}

/**
 * A booking may not start in the past. A minute of grace absorbs clock skew
 * between the caller's machine and ours for "book it for right now".
 */
export const PAST_START_GRACE_MS = 60_000;

export function requireNotInPast(field: string, start: Date, now: Date): Date {
  if (start.getTime() < now.getTime() - PAST_START_GRACE_MS) {
    throw new InvalidArgumentError(field, `${start.toISOString()} is in the past`);
  }
  return start;
}
