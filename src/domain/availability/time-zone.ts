import { IANAZone } from "../luxon.js";
import { MINUTES_PER_DAY, MS_PER_DAY } from "./local-date.js";

/**
 * Local wall time <-> UTC instants through the IANA database (via Luxon).
 *
 * Luxon answers every question correctly but costs tens of microseconds per
 * conversion, too slow for every business-hours boundary of a 62-day window
 * on each request. So each zone's offset changes are looked up once per
 * 128-day block (Luxon's offset sampled daily, each change then pinned to the
 * second) and cached. On a local date with no change the offset is constant
 * and the conversion is plain arithmetic with it; on a date with a change
 * (a DST day) the two offsets of that day decide, resolving skipped and
 * repeated wall times.
 */

const BLOCK_DAYS = 128;
const BLOCK_MS = BLOCK_DAYS * MS_PER_DAY;

/** One block's offsets: offsets[0] from the block's start, offsets[i + 1] from changes[i] on. */
interface OffsetBlock {
  changes: number[];
  offsets: number[];
}

/** Bounds memory when callers roam over many years and zones; refilling is cheap. */
const MAX_CACHED_BLOCKS = 4_096;
const offsetBlocks = new Map<string, Map<number, OffsetBlock>>();
let cachedBlocks = 0;

export function isValidTimeZone(zone: string): boolean {
  return zone.length > 0 && IANAZone.isValidZone(zone);
}

/** Assumes, as holds for every zone in the database, at most one change per day. */
function loadBlock(zone: string, blockIndex: number): OffsetBlock {
  const iana = IANAZone.create(zone);
  const blockStart = blockIndex * BLOCK_MS;
  const block: OffsetBlock = { changes: [], offsets: [iana.offset(blockStart)] };
  let before = block.offsets[0]!;
  for (let day = 1; day <= BLOCK_DAYS; day++) {
    const at = blockStart + day * MS_PER_DAY;
    const after = iana.offset(at);
    if (after === before) continue;
    let low = at - MS_PER_DAY;
    let high = at;
    while (high - low > 1_000) {
      const middle = low + Math.floor((high - low) / 2_000) * 1_000;
      if (iana.offset(middle) === before) low = middle;
      else high = middle;
    }
    if (high < blockStart + BLOCK_MS) {
      block.changes.push(high);
      block.offsets.push(after);
    }
    before = after;
  }
  return block;
}

function blockOf(zone: string, instant: number): OffsetBlock {
  let blocks = offsetBlocks.get(zone);
  if (!blocks) {
    blocks = new Map();
    offsetBlocks.set(zone, blocks);
  }
  const blockIndex = Math.floor(instant / BLOCK_MS);
  let block = blocks.get(blockIndex);
  if (!block) {
    if (cachedBlocks >= MAX_CACHED_BLOCKS) {
      for (const zoneBlocks of offsetBlocks.values()) zoneBlocks.clear();
      cachedBlocks = 0;
    }
    block = loadBlock(zone, blockIndex);
    blocks.set(blockIndex, block);
    cachedBlocks++;
  }
  return block;
}

/** UTC offset in minutes at an instant. */
function offsetAt(zone: string, instant: number): number {
  const { changes, offsets } = blockOf(zone, instant);
  let i = 0;
  while (i < changes.length && changes[i]! <= instant) i++;
  return offsets[i]!;
}

/** Whether the offset changes at some instant in (from, to]. */
function changesWithin(zone: string, from: number, to: number): boolean {
  for (let blockStart = Math.floor(from / BLOCK_MS) * BLOCK_MS; blockStart <= to; blockStart += BLOCK_MS) {
    for (const change of blockOf(zone, blockStart).changes) {
      if (change > from && change <= to) return true;
    }
  }
  return false;
}

/**
 * The offset that holds during the whole local date epochDay, or undefined
 * when it changes that day (then Luxon converts).
 */
function constantOffsetOn(zone: string, epochDay: number): number | undefined {
  const offset = offsetAt(zone, epochDay * MS_PER_DAY);
  const start = (epochDay * MINUTES_PER_DAY - offset) * 60_000;
  if (offsetAt(zone, start) !== offset || changesWithin(zone, start, start + MS_PER_DAY)) return undefined;
  return offset;
}

/**
 * The instant of local wall time `minuteOfDay` (0..1440, 1440 = next midnight)
 * on local date epochDay. A repeated wall time (the hour a clock goes back)
 * takes the earlier instant: a business "open until 01:00" closes when the
 * clock first reads 01:00. A skipped wall time moves forward by the gap.
 */
export function localToUtc(zone: string, epochDay: number, minuteOfDay: number): number {
  if (minuteOfDay >= MINUTES_PER_DAY) return localToUtc(zone, epochDay + 1, minuteOfDay - MINUTES_PER_DAY);
  const wallMs = (epochDay * MINUTES_PER_DAY + minuteOfDay) * 60_000;
  const offset = constantOffsetOn(zone, epochDay);
  if (offset !== undefined) return wallMs - offset * 60_000;
  // The day's one change: the offsets before and after it.
  const before = offsetAt(zone, (epochDay - 1) * MS_PER_DAY);
  const after = offsetAt(zone, (epochDay + 2) * MS_PER_DAY);
  const readings = [wallMs - before * 60_000, wallMs - after * 60_000].filter(
    (instant) => instant + offsetAt(zone, instant) * 60_000 === wallMs,
  );
  return readings.length > 0 ? Math.min(...readings) : wallMs - before * 60_000;
}

/** Local date (epoch day) and wall-clock minute of an instant in zone. */
export function utcToLocal(zone: string, instant: number): { epochDay: number; minuteOfDay: number } {
  const localMinutes = Math.floor(instant / 60_000) + offsetAt(zone, instant);
  const epochDay = Math.floor(localMinutes / MINUTES_PER_DAY);
  return { epochDay, minuteOfDay: localMinutes - epochDay * MINUTES_PER_DAY };
}
