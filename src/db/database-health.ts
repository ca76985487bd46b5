import type { MikroORM } from "./orm.js";

/**
 * Whether the database answers, probed at most once per cacheMs so that
 * frequent health checks do not load it.
 */
export class DatabaseHealth {
  private lastCheck = 0;
  private lastResult = false;
  private inFlight: Promise<boolean> | undefined;

  constructor(
    private readonly orm: MikroORM,
    private readonly timeoutMs = 2_000,
    private readonly cacheMs = 1_000,
  ) {}

  async isHealthy(): Promise<boolean> {
    if (Date.now() - this.lastCheck < this.cacheMs) return this.lastResult;
    this.inFlight ??= this.probe().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async probe(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.timeoutMs);
    });
    const query = this.orm.em
      .fork()
      .getConnection()
      .execute("select 1")
      .then(() => true)
      .catch(() => false);
    const result = await Promise.race([query, timeout]);
    clearTimeout(timer);
    this.lastResult = result;
    this.lastCheck = Date.now();
    return result;
  }
}
