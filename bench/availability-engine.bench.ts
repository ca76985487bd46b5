import { findFreeSlots, type AvailabilityQuery } from "../src/domain/availability/availability.js";
import type { Interval } from "../src/domain/availability/intervals.js";
import { parseLocalDate } from "../src/domain/availability/local-date.js";
import { defaultSchedulingRules } from "../src/domain/availability/scheduling-rules.js";
import { fixedClock } from "../src/domain/clock.js";

/**
 * The pure engine (issue 4 workloads): America/Los_Angeles, Mon–Fri
 * 09:00–17:00, window from 2024-03-04 (crosses the 2024-03-10 DST change),
 * busy periods from a seeded PRNG (start uniform over the window at any
 * minute, 30–90 minutes long), duration 60, slot interval 15, minimum notice
 * 0, clock fixed before the window. The horizon is set to 365 days so that it
 * never cuts the 62-day windows. Each call includes sorting the busy periods,
 * expanding business hours and grouping slots by date.
 */
const ZONE = "America/Los_Angeles";
const WINDOW_START = "2024-03-04";
const CLOCK = fixedClock("2024-03-01T00:00:00Z");

const WORKLOADS = [
  { name: "S1", days: 14, busy: 0 },
  { name: "S2", days: 62, busy: 0 },
  { name: "S3", days: 14, busy: 100 },
  { name: "S4", days: 62, busy: 1_000 },
  { name: "W1", days: 14, busy: 1_000 },
  { name: "W2", days: 62, busy: 10_000 },
];

/** mulberry32: small, fast, seedable. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function busyPeriods(count: number, windowStart: number, windowMs: number, seed: number): Interval[] {
  const random = prng(seed);
  return Array.from({ length: count }, () => {
    const start = windowStart + Math.floor(random() * (windowMs / 60_000)) * 60_000;
    return { start, end: start + (30 + Math.floor(random() * 61)) * 60_000 };
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function runsFor(busy: number): number {
  if (busy >= 10_000) return 300;
  if (busy >= 1_000) return 2_000;
  return 5_000;
}

export async function run(): Promise<void> {
  const rules = {
    ...defaultSchedulingRules(ZONE),
    slotIntervalMinutes: 15,
    minimumNoticeMinutes: 0,
    bookingHorizonDays: 365,
  };
  const firstDay = parseLocalDate(WINDOW_START)!;
  const windowStart = Date.parse("2024-03-04T08:00:00Z");
  process.stdout.write("workload  days   busy   slots   first call µs   median µs   p90 µs   runs\n");
  for (const [index, workload] of WORKLOADS.entries()) {
    const query: AvailabilityQuery = {
      rules,
      timeZone: ZONE,
      firstDay,
      lastDay: firstDay + workload.days - 1,
      durationMinutes: 60,
      busy: busyPeriods(workload.busy, windowStart, workload.days * 86_400_000, 42 + index),
      clock: CLOCK,
    };
    let started = performance.now();
    const days = findFreeSlots(query);
    const firstCall = (performance.now() - started) * 1_000;
    const slots = days.reduce((sum, day) => sum + day.slots.length, 0);
    const runs = runsFor(workload.busy);
    for (let i = 0; i < Math.min(200, runs); i++) findFreeSlots(query);
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      started = performance.now();
      findFreeSlots(query);
      samples.push((performance.now() - started) * 1_000);
    }
    const sorted = [...samples].sort((a, b) => a - b);
    process.stdout.write(
      `${workload.name.padEnd(8)}  ${String(workload.days).padStart(4)}  ${String(workload.busy).padStart(5)}  ${String(slots).padStart(6)}` +
        `  ${firstCall.toFixed(1).padStart(14)}  ${median(samples).toFixed(1).padStart(10)}  ${sorted[Math.floor(runs * 0.9)]!.toFixed(1).padStart(7)}  ${String(runs).padStart(5)}\n`,
    );
  }
}
