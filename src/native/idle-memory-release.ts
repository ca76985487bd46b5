import { performance, type EventLoopUtilization } from "node:perf_hooks";
import { loadAddon } from "./load-addon.js";

interface NativeMemoryAddon {
  /** glibc's malloc_trim(0): true when it gave pages back (always false elsewhere). */
  releaseFreeMemory(): boolean;
}

/**
 * Below this share of a window spent running JavaScript or callbacks, the process counts as idle.
 * With no calls at all the service's event loop is 1.4–3.6% busy a second (pg-boss polling its
 * queues, the collections that follow a burst), so the line sits above that.
 */
const IDLE_UTILIZATION = 0.05;

/**
 * When to hand the C heap's free pages back: once per idle spell that
 * follows work (startup included), never while the process is busy, since
 * malloc_trim walks every arena under its lock. Fed one event-loop
 * utilization per window.
 */
export class IdleReleasePolicy {
  private workedSinceRelease = true;

  /** Whether to release now, after a window whose event loop was busy for `utilization` (0–1). */
  afterWindow(utilization: number): boolean {
    if (utilization >= IDLE_UTILIZATION) {
      this.workedSinceRelease = true;
      return false;
    }
    const release = this.workedSinceRelease;
    this.workedSinceRelease = false;
    return release;
  }
}

/**
 * Returns the C heap's free pages to the system when the process goes idle
 * (native/native_memory.c says why). Starts a timer that never keeps the
 * process alive; the returned function stops it.
 */
export function startIdleMemoryRelease(options: {
  windowMs: number;
  onRelease?: (rssBeforeBytes: number, rssAfterBytes: number) => void;
}): () => void {
  const addon = loadAddon<NativeMemoryAddon>("native_memory");
  const policy = new IdleReleasePolicy();
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const window = performance.eventLoopUtilization(now, last);
    last = now;
    if (!policy.afterWindow(window.utilization)) return;
    const before = process.memoryUsage.rss();
    addon.releaseFreeMemory();
    options.onRelease?.(before, process.memoryUsage.rss());
  }, options.windowMs);
  timer.unref();
  return () => clearInterval(timer);
}
