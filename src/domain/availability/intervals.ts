/**
 * Sorted interval lists over epoch milliseconds, half-open [start, end).
 * Hot-path helpers: typed arrays, linear sweeps, no allocation per element.
 */
export interface Interval {
  start: number;
  end: number;
}

/** Disjoint, sorted, non-touching intervals: [starts[i], ends[i]) for i < count. */
export interface IntervalSet {
  starts: Float64Array;
  ends: Float64Array;
  count: number;
}

/** Below this many intervals two native sorts beat the radix sort's fixed passes. */
const RADIX_MIN_COUNT = 256;
const RADIX_BITS = 11;
const RADIX = 1 << RADIX_BITS;
/** Keys the radix sort takes: integers below 2^44 (4 passes at most; ~557 years of milliseconds). */
const RADIX_MAX_KEY = 2 ** 44;

/** Digit `pass` (11 bits each, least significant first) of the key whose low and high 32 bits are lo and hi. */
function digitOf(lo: number, hi: number, pass: number): number {
  switch (pass) {
    case 0:
      return lo & (RADIX - 1);
    case 1:
      return (lo >>> 11) & (RADIX - 1);
    case 2:
      return ((lo >>> 22) | (hi << 10)) & (RADIX - 1);
    default:
      return (hi >>> 1) & (RADIX - 1);
  }
}

/**
 * The indices of keys (integers in [0, RADIX_MAX_KEY)) in ascending key
 * order: an LSD radix sort on integer digits, one pass per 11 bits the
 * largest key needs (a 62-day window of milliseconds: 3 passes), no comparisons.
 */
function radixOrder(keys: Float64Array, n: number, maxKey: number): Uint32Array {
  const passes = Math.max(1, Math.ceil(Math.log2(maxKey + 1) / RADIX_BITS));
  const digits = new Uint16Array(n * passes);
  for (let i = 0; i < n; i++) {
    const key = keys[i]!;
    const lo = key >>> 0;
    const hi = (key - lo) / 4_294_967_296;
    for (let pass = 0; pass < passes; pass++) digits[pass * n + i] = digitOf(lo, hi, pass);
  }
  let order = new Uint32Array(n);
  let next = new Uint32Array(n);
  const counts = new Uint32Array(RADIX);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let pass = 0; pass < passes; pass++) {
    const offset = pass * n;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[digits[offset + i]!]!++;
    let position = 0;
    for (let d = 0; d < RADIX; d++) {
      const count = counts[d]!;
      counts[d] = position;
      position += count;
    }
    for (let i = 0; i < n; i++) {
      const index = order[i]!;
      next[counts[digits[offset + index]!]!++] = index;
    }
    [order, next] = [next, order];
  }
  return order;
}

/** The union of padded intervals (starts[i], ends[i]) for i < n, swept in start order. */
function unionByStart(starts: Float64Array, ends: Float64Array, n: number, order: Uint32Array): IntervalSet {
  const unionStarts = new Float64Array(n);
  const unionEnds = new Float64Array(n);
  let count = 0;
  let openStart = 0;
  let openEnd = -Infinity;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const start = starts[i]!;
    const end = ends[i]!;
    if (start <= openEnd) {
      if (end > openEnd) openEnd = end;
      continue;
    }
    if (k > 0) {
      unionStarts[count] = openStart;
      unionEnds[count] = openEnd;
      count++;
    }
    openStart = start;
    openEnd = end;
  }
  if (n > 0) {
    unionStarts[count] = openStart;
    unionEnds[count] = openEnd;
    count++;
  }
  return { starts: unionStarts, ends: unionEnds, count };
}

/**
 * The union of non-empty intervals given in any order, each widened by
 * padBefore and padAfter ms; touching intervals merge. Many intervals on
 * whole milliseconds (the usual case): a radix sort of the starts and one
 * sweep. Otherwise starts and ends are sorted separately (native numeric
 * sort): the covered set only depends on how many intervals have begun and
 * ended at each instant, not on which is which.
 */
export function unionOf(intervals: readonly Interval[], padBefore = 0, padAfter = 0): IntervalSet {
  let n = 0;
  let sortedStarts = new Float64Array(intervals.length);
  let sortedEnds = new Float64Array(intervals.length);
  let minStart = Infinity;
  let maxStart = -Infinity;
  let integral = true;
  for (const interval of intervals) {
    // An empty interval occupies no time, so it carries no padding either.
    if (interval.end <= interval.start) continue;
    const start = interval.start - padBefore;
    sortedStarts[n] = start;
    sortedEnds[n] = interval.end + padAfter;
    if (start < minStart) minStart = start;
    if (start > maxStart) maxStart = start;
    if (integral && !Number.isInteger(start)) integral = false;
    n++;
  }
  if (n >= RADIX_MIN_COUNT && integral && maxStart - minStart < RADIX_MAX_KEY) {
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = sortedStarts[i]! - minStart;
    return unionByStart(sortedStarts, sortedEnds, n, radixOrder(keys, n, maxStart - minStart));
  }
  sortedStarts = sortedStarts.subarray(0, n).sort();
  sortedEnds = sortedEnds.subarray(0, n).sort();
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  let count = 0;
  let open = 0;
  let openedAt = 0;
  let i = 0;
  let j = 0;
  while (i < n) {
    const nextStart = sortedStarts[i]!;
    const nextEnd = sortedEnds[j]!;
    // Starts before ends at the same instant, so touching intervals merge.
    if (nextStart <= nextEnd) {
      if (open === 0) openedAt = nextStart;
      open++;
      i++;
    } else {
      open--;
      j++;
      if (open === 0) {
        starts[count] = openedAt;
        ends[count] = nextEnd;
        count++;
      }
    }
  }
  if (n > 0) {
    starts[count] = openedAt;
    ends[count] = sortedEnds[n - 1]!;
    count++;
  }
  return { starts, ends, count };
}

/**
 * Calls visit(start, end, tag) for each maximal part of [from, to) that set
 * does not cover, in order. `firstIndex` is where to resume scanning set (0 or
 * the value a previous call returned for an earlier `from`); the return value
 * is the index to pass for the next, later range.
 */
export function forEachUncovered(
  set: IntervalSet,
  from: number,
  to: number,
  firstIndex: number,
  tag: number,
  visit: (start: number, end: number, tag: number) => void,
): number {
  const { starts, ends, count } = set;
  let k = firstIndex;
  while (k < count && ends[k]! <= from) k++;
  let cursor = from;
  for (let m = k; m < count && starts[m]! < to; m++) {
    if (starts[m]! > cursor) visit(cursor, starts[m]!, tag);
    if (ends[m]! > cursor) cursor = ends[m]!;
    if (cursor >= to) return k;
  }
  if (cursor < to) visit(cursor, to, tag);
  return k;
}
