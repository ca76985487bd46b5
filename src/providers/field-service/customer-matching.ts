import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js";
import type { Customer, CustomerDetails } from "./field-service-provider.js";

/**
 * Platforms store phones as typed ("(555) 123-4567", "555.123.4567"); we
 * compare E.164 forms. Numbers without a country code are read in the
 * business's region.
 */
export function toE164(raw: string | null | undefined, region: CountryCode): string | undefined {
  if (!raw?.trim()) return undefined;
  const parsed = parsePhoneNumberFromString(raw, region);
  return parsed?.isValid() ? parsed.number : undefined;
}

/** The candidate whose phones include the caller's phone; failing that, whose email matches. */
export function bestMatch<T>(
  details: CustomerDetails,
  candidates: T[],
  contactOf: (candidate: T) => { phones: string[]; emails: string[] },
  region: CountryCode,
): T | undefined {
  const phone = toE164(details.phone, region);
  if (phone) {
    const byPhone = candidates.find((c) => contactOf(c).phones.some((p) => toE164(p, region) === phone));
    if (byPhone) return byPhone;
  }
  const email = details.email?.trim().toLowerCase();
  if (!email) return undefined;
  return candidates.find((c) => contactOf(c).emails.some((e) => e.trim().toLowerCase() === email));
}

/**
 * Neither platform documents how its search (Jobber `searchTerm`, HouseCall Pro
 * `q`) matches phone numbers; we search by the national digits and confirm
 * every hit ourselves with bestMatch.
 */
export function phoneSearchTerm(phone: string | undefined, region: CountryCode): string | undefined {
  if (!phone) return undefined;
  return parsePhoneNumberFromString(phone, region)?.nationalNumber ?? phone;
}

export function splitName(name: string): { firstName: string; lastName: string } {
  const parts = name.trim().split(/\s+/);
  const firstName = parts.shift() ?? "";
  return { firstName, lastName: parts.join(" ") };
}

export function customerPhone(raw: string | null | undefined, region: CountryCode): Customer["phone"] {
  return toE164(raw, region) ?? (raw?.trim() || undefined);
}
