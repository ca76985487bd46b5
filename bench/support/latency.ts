/** What a load run measured; latencies in ms. */
export interface LoadResult {
  calls: number;
  failures: number;
  firstFailure?: string;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function summarize(latenciesMs: number[], seconds: number, failures: number, firstFailure?: string): LoadResult {
  const sorted = Float64Array.from(latenciesMs).sort();
  return {
    calls: latenciesMs.length,
    failures,
    ...(firstFailure ? { firstFailure } : {}),
    seconds,
    perSecond: latenciesMs.length / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
  };
}
