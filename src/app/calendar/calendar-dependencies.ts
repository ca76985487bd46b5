import type { Config } from "../../config.js";
import type { TokenCipher } from "../../crypto/token-cipher.js";
import type { MikroORM } from "../../db/orm.js";
import type { Clock } from "../../domain/clock.js";
import type { Logger } from "../../logger.js";
import type { CalendarProviderRegistry } from "../../providers/registry.js";

/** Starts a sync job (implemented by src/sync over pg-boss); returns the job id. */
export interface SyncStarter {
  start(request: { tenantId: string; integrationId: string; provider: string; type: "full" | "incremental" }): Promise<string>;
}

export interface CalendarDependencies {
  orm: MikroORM;
  config: Config;
  clock: Clock;
  logger: Logger;
  cipher: TokenCipher;
  providers: CalendarProviderRegistry;
  syncStarter: SyncStarter;
}
