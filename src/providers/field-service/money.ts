/** "350.00" from an amount in major units (Jobber's Float). */
export function decimalFromUnits(amount: number | null | undefined): string | undefined {
  return typeof amount === "number" && Number.isFinite(amount) ? amount.toFixed(2) : undefined;
}

/** "350.00" from cents (HouseCall Pro's integers). */
export function decimalFromCents(cents: number | null | undefined): string | undefined {
  return typeof cents === "number" && Number.isFinite(cents) ? (cents / 100).toFixed(2) : undefined;
}

/** Cents from "350.00" (validated by the caller: >= 0, at most 2 fraction digits). */
export function centsFromDecimal(amount: string): number {
  const [whole = "0", fraction = ""] = amount.split(".");
  return Number(whole) * 100 + Number(fraction.padEnd(2, "0").slice(0, 2));
}
