import { createHash } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import { AlreadyExistsError, InvalidArgumentError } from "../../domain/errors.js";

export type IdempotencyClaim = { kind: "new" } | { kind: "replay"; response: unknown };

export function validateIdempotencyKey(key: string): string | undefined {
  const trimmed = key.trim();
  if (!trimmed) return undefined;
  if (trimmed.length > 255) throw new InvalidArgumentError("idempotency_key", "at most 255 characters");
  return trimmed;
}

export function hashRequest(request: unknown): string {
  return createHash("sha256").update(JSON.stringify(request)).digest("hex");
}

/**
 * Claims (tenant, scope, key) inside the caller's transaction. A concurrent
 * claim of the same key waits on the primary key until the first transaction
 * commits, then replays its response: one row however many retries race.
 */
export async function claimIdempotencyKey(
  em: EntityManager,
  tenantId: string,
  scope: string,
  key: string,
  requestHash: string,
): Promise<IdempotencyClaim> {
  const inserted = await em.execute<{ key: string }[]>(
    `insert into idempotency_records (tenant_id, scope, key, request_hash) values (?, ?, ?, ?)
     on conflict do nothing returning key`,
    [tenantId, scope, key, requestHash],
  );
  if (inserted.length > 0) return { kind: "new" };
  const [existing] = await em.execute<{ request_hash: string; response: unknown }[]>(
    `select request_hash, response from idempotency_records where tenant_id = ? and scope = ? and key = ?`,
    [tenantId, scope, key],
  );
  if (!existing || existing.request_hash !== requestHash) {
    throw new AlreadyExistsError("idempotency_key was already used with a different request");
  }
  return { kind: "replay", response: existing.response };
}

export async function saveIdempotentResponse(
  em: EntityManager,
  tenantId: string,
  scope: string,
  key: string,
  response: unknown,
): Promise<void> {
  await em.execute(`update idempotency_records set response = ? where tenant_id = ? and scope = ? and key = ?`, [
    JSON.stringify(response),
    tenantId,
    scope,
    key,
  ]);
}
