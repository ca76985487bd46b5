import { open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

const PAGE = Buffer.alloc(8192, 1);
// Often enough to catch a stall that an open loop's p99 would show, seldom enough (with its journal
// write, ~80 writes/s) not to load the disk the measured commits flush to.
const INTERVAL_MS = 25;

/**
 * What the disk under the bench's temporary directory (where the embedded
 * cluster keeps its WAL) did during `during`: an 8 KiB write and fdatasync
 * every 25 ms, timed. A commit waits for such a flush; on these machines one
 * takes ~0.2 ms idle but now and then stalls for 100 ms to over a second,
 * even when little more than this probe writes to it (the virtual disk's own
 * latency), and such a stall sets the p99 of whatever commits during it.
 */
export async function slowestDiskFlushMs<T>(during: () => Promise<T>): Promise<{ result: T; slowestFlushMs: number }> {
  const file = path.join(tmpdir(), `uc-bench-flush-${process.pid}-${Date.now()}`);
  const handle = await open(file, "w");
  let slowestFlushMs = 0;
  let running = true;
  const probing = (async () => {
    while (running) {
      const started = performance.now();
      await handle.write(PAGE, 0, PAGE.length, 0);
      await handle.datasync();
      slowestFlushMs = Math.max(slowestFlushMs, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
    }
  })();
  try {
    const result = await during();
    return { result, slowestFlushMs };
  } finally {
    running = false;
    await probing;
    await handle.close();
    await rm(file, { force: true });
  }
}
