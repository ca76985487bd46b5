/**
 * Calendar dates without a zone, as whole days since 1970-01-01 ("epoch days").
 * Pure calendar arithmetic: no instant is involved, so no offset either.
 */
export const MS_PER_DAY = 86_400_000;
export const MINUTES_PER_DAY = 1_440;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The epoch day of "YYYY-MM-DD", or undefined when it is not a real date. */
export function parseLocalDate(text: string): number | undefined {
  const match = DATE_PATTERN.exec(text);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day)
    return undefined;
  return ms / MS_PER_DAY;
}

export function formatLocalDate(epochDay: number): string {
  return new Date(epochDay * MS_PER_DAY).toISOString().slice(0, 10);
}

/** ISO weekday of an epoch day: Monday 1 ... Sunday 7 (1970-01-01 was a Thursday). */
export function isoWeekdayOf(epochDay: number): number {
  return ((((epochDay + 3) % 7) + 7) % 7) + 1;
}
