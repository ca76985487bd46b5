const DAY = 86_400_000;

/**
 * A whole UTC hour on the n-th weekday after today (n ≥ 1; inside default
 * business hours, and for n ≤ 40 inside the 60-day sync window). Distinct n
 * are distinct dates whatever day the tests run, so tests sharing one
 * provider fake never book the same slot: counting calendar days and then
 * skipping a weekend forward made n = 11 and 12 the same Monday.
 */
export function weekdayAt(n: number, hour: number): Date {
  const d = new Date(Date.now());
  for (let counted = 0; counted < n;) {
    d.setTime(d.getTime() + DAY);
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) counted++;
  }
  d.setUTCHours(hour, 0, 0, 0);
  return d;
}
