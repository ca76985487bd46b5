import pg from "pg";
import { afterAll, expect, inject, it } from "vitest";
import { IntegrationLocks } from "../../src/jobs/integration-locks.js";

const databaseUrl = inject("databaseUrl");
const locks = new IntegrationLocks(databaseUrl, 4);
const keyPrefix = `locks-test-${Date.now()}`;
afterAll(() => locks.close());

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it("work under overlapping sets of keys, given in any order, runs one at a time and never deadlocks", async () => {
  const [a, b, c] = ["a", "b", "c"].map((name) => `${keyPrefix}:${name}`) as [string, string, string];
  const running = new Set<number>();
  const overlaps: number[][] = [];
  const work = (id: number, keys: string[]) =>
    locks.run(keys, async () => {
      if (running.size > 0) overlaps.push([id, ...running]);
      running.add(id);
      await pause(5);
      running.delete(id);
      return id;
    });
  // Every two share a key; the orders differ, so taking them as given would deadlock.
  const orders = [
    [a, b],
    [b, a],
    [c, a],
    [b, c, a],
  ];
  const ids = Array.from({ length: 24 }, (_, i) => i);
  const done = await Promise.all(ids.map((id) => work(id, orders[id % orders.length]!)));
  expect(done).toEqual(ids);
  expect(overlaps).toEqual([]);
});

it("releases every key when the work fails", async () => {
  const key = `${keyPrefix}:failing`;
  await expect(
    locks.run([key, `${key}:2`], async () => {
      throw new Error("work failed");
    }),
  ).rejects.toThrow("work failed");
  const observer = new pg.Client({ connectionString: databaseUrl });
  await observer.connect();
  try {
    const { rows } = await observer.query<{ taken: boolean }>(
      "select pg_try_advisory_lock(hashtextextended($1, 0)) and pg_try_advisory_lock(hashtextextended($2, 0)) as taken",
      [key, `${key}:2`],
    );
    expect(rows[0]?.taken).toBe(true);
  } finally {
    await observer.end();
  }
});
