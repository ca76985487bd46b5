import { Code, ConnectError } from "@connectrpc/connect";
import type { Caller } from "../domain/caller.js";

/**
 * The tenant a request acts on. A JWT reaches only its own tenant (an empty
 * tenant_id means its own); a service key must name one.
 */
export function resolveTenant(caller: Caller, requestedTenantId: string, field = "tenant_id"): string {
  const requested = requestedTenantId.trim();
  if (caller.kind === "service") {
    if (!requested) throw new ConnectError(`${field}: required`, Code.InvalidArgument);
    if (requested.length > 128) throw new ConnectError(`${field}: at most 128 characters`, Code.InvalidArgument);
    return requested;
  }
  if (requested && requested !== caller.tenantId) {
    throw new ConnectError(`${field}: not your tenant`, Code.PermissionDenied);
  }
  return caller.tenantId;
}

/** Tenant filter for lookups by id: undefined for a service key (any tenant). */
export function tenantFilterOf(caller: Caller): string | undefined {
  return caller.kind === "tenant" ? caller.tenantId : undefined;
}
