/** The service's garbage collections by kind (prom-client's nodejs_gc_duration_seconds): count and total pause. */
export type GcActivity = Record<string, { count: number; seconds: number }>;

const SAMPLE = /^nodejs_gc_duration_seconds_(count|sum)\{kind="([a-z]+)"\} ([0-9.e+-]+)$/;

/** The collections so far, from the service's /metrics. */
export async function gcActivity(serviceUrl: string): Promise<GcActivity> {
  return gcActivityOf(await (await fetch(`${serviceUrl}/metrics`)).text());
}

/** The collections in a Prometheus text exposition. */
export function gcActivityOf(text: string): GcActivity {
  const activity: GcActivity = {};
  for (const line of text.split("\n")) {
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const [, field, kind, value] = match;
    const entry = (activity[kind!] ??= { count: 0, seconds: 0 });
    if (field === "count") entry.count = Number(value);
    else entry.seconds = Number(value);
  }
  return activity;
}

/**
 * What happened between two readings, as "2 major (23 ms), 81 minor (310 ms)":
 * each major collection (mark-compact) of the service stalls its calls for
 * tens of ms on these two cores, which is what an open loop's p99 shows.
 */
export function describeGc(before: GcActivity, after: GcActivity): string {
  return ["major", "minor", "incremental"]
    .map((kind) => {
      const count = (after[kind]?.count ?? 0) - (before[kind]?.count ?? 0);
      const ms = ((after[kind]?.seconds ?? 0) - (before[kind]?.seconds ?? 0)) * 1000;
      return `${count} ${kind} (${ms.toFixed(0)} ms)`;
    })
    .join(", ");
}
