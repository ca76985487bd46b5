import type { Caller } from "../../domain/caller.js";
import { InvalidArgumentError } from "../../domain/errors.js";
import { optionalEmail, optionalText, requirePhone, requireText } from "../../domain/validation.js";
import type { Customer, CustomerMatchRule } from "../../providers/field-service/field-service-provider.js";
import type { AppContext } from "../context.js";
import { customerLockKeys } from "../shared/customer-lock.js";
import { callFieldService, fieldServiceTargetOf } from "./field-service-integration.js";

export interface SyncCustomerResult {
  customer: Customer;
  created: boolean;
  matched: boolean;
  /** The rule that decided: an existing customer's phone (E.164) or email, or none (created). */
  duplicateCheck: CustomerMatchRule | "none";
}

/**
 * Finds the caller in the platform before creating anyone: by phone number
 * normalised to E.164 (libphonenumber-js: "(312) 555-0142" and "+13125550142"
 * are one number), then by email; creates the customer only when neither matches.
 * Holding the customer's locks, so parallel calls for one new caller create one.
 */
export async function syncCustomer(
  ctx: AppContext,
  _caller: Caller,
  input: {
    tenantId: string;
    provider: string;
    customer: { name: string; phone: string; email: string; address: string };
  },
): Promise<SyncCustomerResult> {
  const name = requireText("customer.name", input.customer.name, 200);
  const phone = input.customer.phone.trim() ? requirePhone("customer.phone", input.customer.phone) : undefined;
  const email = optionalEmail("customer.email", input.customer.email) ?? undefined;
  const address = optionalText("customer.address", input.customer.address, 500) ?? undefined;
  if (!phone && !email) throw new InvalidArgumentError("customer.phone", "a phone or an email is required to match on");
  const target = await fieldServiceTargetOf(ctx, input.tenantId, input.provider);
  const details = {
    name,
    ...(phone ? { phone } : {}),
    ...(email ? { email } : {}),
    ...(address ? { address } : {}),
  };
  const synced = await ctx.jobs.exclusive(customerLockKeys(target.integration.id, details), () =>
    callFieldService(ctx, target, (jobs, credentials) => jobs.syncCustomer(credentials, details)),
  );
  return {
    customer: synced.customer,
    created: synced.created,
    matched: !synced.created,
    duplicateCheck: synced.matchedBy ?? "none",
  };
}
