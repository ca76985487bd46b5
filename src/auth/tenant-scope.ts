import type { Caller } from "../domain/caller.js";
import { InvalidArgumentError, PermissionDeniedError } from "../domain/errors.js";

/**
 * The tenant a request acts on. A JWT reaches only its own tenant (an empty
 * tenant_id means its own); a service key must name one.
 */
export function resolveTenant(caller: Caller, requestedTenantId: string, field = "tenant_id"): string {
  const requested = requestedTenantId.trim();
  if (caller.kind === "service") {
    if (!requested) throw new InvalidArgumentError(field, "required");
    if (requested.length > 128) throw new InvalidArgumentError(field, "at most 128 characters");
    return requested;
  }
  if (requested && requested !== caller.tenantId) {
    throw new PermissionDeniedError(`${field}: not your tenant`);
  }
  return caller.tenantId;
}

/** Tenant filter for lookups by id: undefined for a service key (any tenant). */
export function tenantFilterOf(caller: Caller): string | undefined {
  return caller.kind === "tenant" ? caller.tenantId : undefined;
}
