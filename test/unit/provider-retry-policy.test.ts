import { describe, expect, it } from "vitest";
import { ProviderError } from "../../src/providers/kit/provider-error.js";
import { providerRetryPolicy } from "../../src/app/integrations/provider-retry-policy.js";

const settings = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 400 };

async function attemptsUntilDone(failures: Error[]): Promise<{ attempts: number; times: number[]; outcome: unknown }> {
  const times: number[] = [];
  const policy = providerRetryPolicy(settings);
  const outcome = await policy
    .execute(async () => {
      times.push(Date.now());
      const failure = failures.shift();
      if (failure) throw failure;
      return "done";
    })
    .catch((error: unknown) => error);
  return { attempts: times.length, times, outcome };
}

describe("providerRetryPolicy", () => {
  it("retries throttling after the Retry-After the provider asked for", async () => {
    const { attempts, times, outcome } = await attemptsUntilDone([
      new ProviderError("google", "rate_limited", "429", 150, 429),
    ]);
    expect(outcome).toBe("done");
    expect(attempts).toBe(2);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(140);
  });

  it("caps a long Retry-After at the maximum wait", async () => {
    const { outcome, times } = await attemptsUntilDone([
      new ProviderError("google", "rate_limited", "429", 3_600_000, 429),
    ]);
    expect(outcome).toBe("done");
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeLessThan(5_000);
  });

  it("retries outages a bounded number of times, then gives up with the last error", async () => {
    const outage = () => new ProviderError("google", "unavailable", "503", undefined, 503);
    const { attempts, outcome } = await attemptsUntilDone([outage(), outage(), outage(), outage()]);
    expect(attempts).toBe(3);
    expect(outcome).toMatchObject({ kind: "unavailable" });
  });

  it("does not retry what waiting cannot fix", async () => {
    for (const kind of ["unauthorized", "invalid_grant", "forbidden", "not_found", "bad_request"] as const) {
      const { attempts, outcome } = await attemptsUntilDone([new ProviderError("google", kind, kind)]);
      expect(attempts).toBe(1);
      expect(outcome).toMatchObject({ kind });
    }
    const { attempts } = await attemptsUntilDone([new TypeError("bug")]);
    expect(attempts).toBe(1);
  });
});
