import type { CustomerDetails } from "../../providers/field-service/field-service-provider.js";

/**
 * The locks (JobQueue.exclusive) that a find-or-create of this customer on
 * one platform account holds while it calls the platform: one per rule that
 * could match it, its phone (E.164, as validation leaves it) and its email.
 * The platforms have no unique key for a customer, so two calls that each
 * searched, found nobody and created would leave two customers; with these,
 * the second waits, then finds the first one's. Any two customers one of
 * which could match the other share a key.
 */
export function customerLockKeys(integrationId: string, customer: CustomerDetails): string[] {
  const email = customer.email?.trim().toLowerCase();
  return [
    ...(customer.phone ? [`field-service-customer:${integrationId}:phone:${customer.phone}`] : []),
    ...(email ? [`field-service-customer:${integrationId}:email:${email}`] : []),
  ];
}
