import { createRequire } from "node:module";
import type * as Luxon from "luxon";

/**
 * Luxon, one copy per process. pg-boss's cron-parser requires luxon's CommonJS build; an `import`
 * from "luxon" resolves to its ES build and loaded the same classes a second time (~0.8 MB of heap).
 * Import luxon's values from here (the lint rule allows only type imports from "luxon" elsewhere).
 */
const luxon = createRequire(import.meta.url)("luxon") as typeof Luxon;

export const { DateTime, IANAZone } = luxon;
export type DateTime = Luxon.DateTime;
