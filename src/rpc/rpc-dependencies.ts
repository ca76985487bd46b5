import type { AppContext } from "../app/context.js";
import type { Config } from "../config.js";
import type { DatabaseHealth } from "../db/database-health.js";
import type { Logger } from "../logger.js";

/** What the RPC layer is built from: the app's use cases run on `app`; the rest serves transport concerns. */
export interface RpcDependencies {
  app: AppContext;
  config: Config;
  logger: Logger;
  databaseHealth: DatabaseHealth;
}
