import { createHash } from "node:crypto";
import { AlreadyExistsError, InvalidArgumentError } from "../../domain/errors.js";
import type { SqlReader, Statement } from "../../db/sql-pool.js";

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

const CLAIM: Statement = {
  name: "idempotency-claim",
  text: `insert into idempotency_records (tenant_id, scope, key, request_hash) values ($1, $2, $3, $4)
     on conflict do nothing returning key`,
};
const CLAIMED: Statement = {
  name: "idempotency-claimed",
  text: `select request_hash, response from idempotency_records where tenant_id = $1 and scope = $2 and key = $3`,
};
const SAVE: Statement = {
  name: "idempotency-save",
  text: `update idempotency_records set response = $1 where tenant_id = $2 and scope = $3 and key = $4`,
};

/**
 * Claims (tenant, scope, key) inside the caller's transaction. A concurrent
 * claim of the same key waits on the primary key until the first transaction
 * commits, then replays its response: one row however many retries race.
 */
export async function claimIdempotencyKey(
  sql: SqlReader,
  tenantId: string,
  scope: string,
  key: string,
  requestHash: string,
): Promise<IdempotencyClaim> {
  const inserted = await sql.rows<{ key: string }>(CLAIM, [tenantId, scope, key, requestHash]);
  if (inserted.length > 0) return { kind: "new" };
  const [existing] = await sql.rows<{ request_hash: string; response: unknown }>(CLAIMED, [tenantId, scope, key]);
  if (!existing || existing.request_hash !== requestHash) {
    throw new AlreadyExistsError("idempotency_key was already used with a different request");
  }
  return { kind: "replay", response: existing.response };
}

export async function saveIdempotentResponse(
  sql: SqlReader,
  tenantId: string,
  scope: string,
  key: string,
  response: unknown,
): Promise<void> {
  await sql.rows(SAVE, [JSON.stringify(response), tenantId, scope, key]);
}
