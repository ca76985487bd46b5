/**
 * Run as its own process (`node --expose-gc --import tsx`): fragments the C heap (10,240 buffers of
 * 16 KiB, every fourth kept), frees the rest, and prints as JSON how far RSS fell on its own and
 * then when the native_memory addon released the free pages.
 */
import { loadAddon } from "../../src/native/load-addon.js";

const addon = loadAddon<{ releaseFreeMemory(): boolean }>("native_memory");
const gc = globalThis.gc as () => void;
const rssMb = () => process.memoryUsage.rss() / 1048576;

// allocUnsafeSlow: each buffer its own malloc, below glibc's mmap threshold, so inside an arena.
const buffers: (Buffer | undefined)[] = Array.from({ length: 10_240 }, () => Buffer.allocUnsafeSlow(16_384).fill(1));
const allocated = rssMb();
for (let i = 0; i < buffers.length; i++) if (i % 4 !== 0) buffers[i] = undefined;
gc();
gc();
const afterFree = rssMb();
const released = addon.releaseFreeMemory();
const afterRelease = rssMb();
console.log(
  JSON.stringify({
    freedMb: (buffers.length * 3 * 16_384) / 4 / 1048576,
    rssDropWithoutReleaseMb: Math.round(allocated - afterFree),
    rssDropOnReleaseMb: Math.round(afterFree - afterRelease),
    released,
    kept: buffers.filter(Boolean).length,
  }),
);
