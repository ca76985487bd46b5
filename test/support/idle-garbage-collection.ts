/**
 * Run as its own process (`node --expose-gc --import tsx`): builds ~40 MB of objects that live long
 * enough to reach the old generation, drops them, goes idle with the idle memory release running
 * (100 ms windows), and prints as JSON the heap in use before and after the idle spell.
 */
import { startIdleMemoryRelease } from "../../src/native/idle-memory-release.js";

const usedMb = () => process.memoryUsage().heapUsed / 1048576;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let kept: { id: number; payload: string }[][] | undefined = [];
for (let batch = 0; batch < 40; batch++) {
  kept.push(Array.from({ length: 10_000 }, (_, id) => ({ id, payload: `row ${batch}:${id}`.repeat(4) })));
  // Busy windows while building: the release waits for the first idle one after work.
  await sleep(5);
}
kept = undefined;
const stop = startIdleMemoryRelease({ windowMs: 100 });
const before = usedMb();
await sleep(600);
const after = usedMb();
stop();
console.log(JSON.stringify({ heldMb: Math.round(before), afterIdleMb: Math.round(after) }));
