import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { forEachUncovered, unionOf, type Interval } from "../../src/domain/availability/intervals.js";

function pairs(set: ReturnType<typeof unionOf>): [number, number][] {
  return Array.from({ length: set.count }, (_, i) => [set.starts[i]!, set.ends[i]!]);
}

function uncovered(set: ReturnType<typeof unionOf>, from: number, to: number): [number, number][] {
  const out: [number, number][] = [];
  forEachUncovered(set, from, to, 0, 0, (start, end) => out.push([start, end]));
  return out;
}

describe("unionOf", () => {
  it("merges overlapping and touching intervals given in any order", () => {
    const set = unionOf([
      { start: 50, end: 60 },
      { start: 0, end: 10 },
      { start: 10, end: 20 },
      { start: 5, end: 8 },
      { start: 30, end: 40 },
      { start: 35, end: 45 },
    ]);
    expect(pairs(set)).toEqual([
      [0, 20],
      [30, 45],
      [50, 60],
    ]);
  });

  it("widens by the padding before merging and drops empty intervals", () => {
    expect(
      pairs(
        unionOf(
          [
            { start: 10, end: 20 },
            { start: 24, end: 30 },
          ],
          2,
          2,
        ),
      ),
    ).toEqual([[8, 32]]);
    expect(pairs(unionOf([{ start: 10, end: 10 }]))).toEqual([]);
    expect(pairs(unionOf([]))).toEqual([]);
  });

  it("covers exactly the points some input covers (property)", () => {
    const interval = fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 40 }));
    fc.assert(
      fc.property(fc.array(interval, { maxLength: 30 }), (raw) => {
        const intervals: Interval[] = raw.map(([start, length]) => ({ start, end: start + length }));
        const set = unionOf(intervals);
        const merged = pairs(set);
        for (let i = 1; i < merged.length; i++) expect(merged[i]![0]).toBeGreaterThan(merged[i - 1]![1]);
        for (let point = 0; point < 250; point++) {
          const inInput = intervals.some((x) => x.start <= point && point < x.end);
          const inUnion = merged.some(([start, end]) => start <= point && point < end);
          expect(inUnion).toBe(inInput);
        }
      }),
    );
  });
});

describe("forEachUncovered", () => {
  const set = unionOf([
    { start: 10, end: 20 },
    { start: 30, end: 40 },
  ]);

  it("visits the gaps of a range in order", () => {
    expect(uncovered(set, 0, 50)).toEqual([
      [0, 10],
      [20, 30],
      [40, 50],
    ]);
    expect(uncovered(set, 15, 35)).toEqual([[20, 30]]);
    expect(uncovered(set, 12, 18)).toEqual([]);
    expect(uncovered(set, 20, 30)).toEqual([[20, 30]]);
  });

  it("resumes from the index it returned, for later ranges", () => {
    const first = forEachUncovered(set, 0, 25, 0, 0, () => {});
    const out: [number, number, number][] = [];
    forEachUncovered(set, 25, 50, first, 7, (start, end, tag) => out.push([start, end, tag]));
    expect(out).toEqual([
      [25, 30, 7],
      [40, 50, 7],
    ]);
  });
});
