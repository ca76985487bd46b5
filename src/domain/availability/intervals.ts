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

/**
 * The union of non-empty intervals given in any order, each widened by
 * padBefore and padAfter ms; touching intervals merge. Starts and ends are sorted
 * separately (native numeric sort): the covered set only depends on how many
 * intervals have begun and ended at each instant, not on which is which.
 */
export function unionOf(intervals: readonly Interval[], padBefore = 0, padAfter = 0): IntervalSet {
  let n = 0;
  let sortedStarts = new Float64Array(intervals.length);
  let sortedEnds = new Float64Array(intervals.length);
  for (const interval of intervals) {
    // An empty interval occupies no time, so it carries no padding either.
    if (interval.end <= interval.start) continue;
    sortedStarts[n] = interval.start - padBefore;
    sortedEnds[n] = interval.end + padAfter;
    n++;
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
