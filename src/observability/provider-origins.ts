import type { Config } from "../config.js";

/**
 * Which provider each configured origin belongs to, so an outgoing HTTP call can be
 * named by where it goes, whatever library made it. The same settings aim the
 * adapters at real hosts or at fakes.
 */
export function providerOrigins(config: Config): Map<string, string> {
  const entries: [string, string][] = [
    [config.google.tokenUrl, "google"],
    [config.google.calendarApiBaseUrl, "google"],
    [config.google.revokeUrl, "google"],
    [config.microsoft.oauthBaseUrl, "microsoft"],
    [config.microsoft.graphBaseUrl, "microsoft"],
    [config.appleCaldavUrl, "apple"],
    [config.jobber.apiBaseUrl, "jobber"],
    [config.jobber.oauthBaseUrl, "jobber"],
    [config.housecallPro.apiBaseUrl, "housecall_pro"],
  ];
  const origins = new Map<string, string>();
  for (const [url, provider] of entries) {
    const origin = new URL(url).origin;
    if (!origins.has(origin)) origins.set(origin, provider);
  }
  return origins;
}
