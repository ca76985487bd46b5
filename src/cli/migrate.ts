import { readConfigOrExit } from "../config-or-exit.js";
import { openConfiguredDatabase } from "../db/open-configured-database.js";
import { createLogger } from "../logger.js";

const config = readConfigOrExit();
const logger = createLogger(config.logLevel);
const database = await openConfiguredDatabase(config, logger);
await database.close();
