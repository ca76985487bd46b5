import { ConfigError, loadConfig, type Config } from "./config.js";

/** For entry points: a bad configuration stops the process with one line naming the variable. */
export function readConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
