/**
 * Run as its own process (`node --import tsx`): imports pg-boss and every module of ours that uses luxon,
 * then prints, as JSON, which of luxon's builds were loaded: ES modules as the load hook saw them (tsx's
 * CommonJS loading bypasses it), CommonJS from require's cache. A module loaded by an earlier test in the
 * same process would hide the answer.
 */
import { createRequire, registerHooks } from "node:module";

const loadedUrls = new Set<string>();
registerHooks({
  load(url, context, nextLoad) {
    loadedUrls.add(url);
    return nextLoad(url, context);
  },
});

await import("pg-boss");
await import("../../src/domain/validation.js");
await import("../../src/domain/availability/time-zone.js");
await import("../../src/app/appointments/list-appointments.js");
await import("../../src/providers/calendar/apple/ical-expansion.js");
await import("../../src/providers/calendar/microsoft/graph-events.js");
await import("../../src/providers/field-service/jobber/jobber-mapping.js");

const inLuxon = (location: string) => location.split("/node_modules/luxon/")[1];
const esModules = [...loadedUrls].map(inLuxon).filter((file) => file !== undefined);
const commonJs = Object.keys(createRequire(import.meta.url).cache)
  .map(inLuxon)
  .filter((file) => file !== undefined);
console.log(JSON.stringify({ esModules, commonJs }));
