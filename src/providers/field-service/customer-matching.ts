import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js";
import type { Customer, CustomerDetails, CustomerMatchRule } from "./field-service-provider.js";

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

/** The candidate whose phones include the caller's phone; failing that, whose email matches; and the rule that decided. */
export function bestMatch<T>(
  details: CustomerDetails,
  candidates: T[],
  contactOf: (candidate: T) => { phones: string[]; emails: string[] },
  region: CountryCode,
): { candidate: T; matchedBy: CustomerMatchRule } | undefined {
  const phone = toE164(details.phone, region);
  if (phone) {
    const byPhone = candidates.find((c) => contactOf(c).phones.some((p) => toE164(p, region) === phone));
    if (byPhone) return { candidate: byPhone, matchedBy: "phone" };
  }
  const email = details.email?.trim().toLowerCase();
  if (!email) return undefined;
  const byEmail = candidates.find((c) => contactOf(c).emails.some((e) => e.trim().toLowerCase() === email));
  return byEmail ? { candidate: byEmail, matchedBy: "email" } : undefined;
}

/**
 * What to search for, in order. Neither platform documents how its search
 * (Jobber `searchTerm`, HouseCall Pro `q`) matches phone numbers, nor does
 * either normalise what users typed: we search by the national digits, then
 * by the national format ("(312) 555-0142", how both apps display and most
 * users type a number), then by email, and confirm every hit ourselves with
 * bestMatch, so a loose search never picks the wrong customer.
 */
export function customerSearchTerms(details: CustomerDetails, region: CountryCode): string[] {
  const parsed = details.phone ? parsePhoneNumberFromString(details.phone, region) : undefined;
  const terms = [parsed?.nationalNumber, parsed?.formatNational(), details.email?.trim()];
  return [...new Set(terms.filter((t): t is string => Boolean(t)))];
}

export function splitName(name: string): { firstName: string; lastName: string } {
  const parts = name.trim().split(/\s+/);
  const firstName = parts.shift() ?? "";
  return { firstName, lastName: parts.join(" ") };
}

export function customerPhone(raw: string | null | undefined, region: CountryCode): Customer["phone"] {
  return toE164(raw, region) ?? (raw?.trim() || undefined);
}

/**
 * Runs each search term (customerSearchTerms) until a candidate matches by
 * phone; a match by email alone is kept until every term has been tried, so
 * the phone rule always wins over the email rule.
 */
export async function searchForMatch<T>(
  details: CustomerDetails,
  region: CountryCode,
  search: (term: string) => Promise<T[]>,
  contactOf: (candidate: T) => { phones: string[]; emails: string[] },
): Promise<{ candidate: T; matchedBy: CustomerMatchRule } | undefined> {
  let byEmail: { candidate: T; matchedBy: CustomerMatchRule } | undefined;
  for (const term of customerSearchTerms(details, region)) {
    const match = bestMatch(details, await search(term), contactOf, region);
    if (match?.matchedBy === "phone") return match;
    byEmail ??= match;
  }
  return byEmail;
}
