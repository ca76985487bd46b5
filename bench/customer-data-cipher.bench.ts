import { createHmac, createSecretKey, randomBytes } from "node:crypto";
import { aes256Gcm } from "../src/crypto/aes-256-gcm.js";
import { hmacSha256 } from "../src/crypto/hmac-sha256.js";
import { referenceOpen, referenceSeal } from "../test/support/reference-aes-256-gcm.js";

/**
 * What customer-data encryption costs a call, in CPU per operation on one
 * appointment's sealed record (the bench bookings' customer data, bound to
 * tenant, row and column) and per blind index: the native addon the service
 * uses beside node:crypto's createCipheriv/createDecipheriv/createHmac on the
 * same bytes, measured in this run. A GetAppointment opens one record, a ListAppointments page
 * of 20 opens 20, a CreateAppointment seals one and indexes phone and email.
 */
const RECORD = JSON.stringify({
  customerName: "Dana Plumber-Customer",
  customerPhone: "+15551234567",
  customerEmail: "dana@example.test",
  address: "1 Main St, Springfield",
  description: "Kitchen sink drips under the cabinet; shut-off valve is stiff",
  notes: "Gate code 4411, dog in the yard",
  cancellationNotes: null,
});
const PHONE_INDEX_INPUT = "phone\u0000+15551234567";
const ASSOCIATED_DATA = JSON.stringify(["bench-tenant", "0193a7b2-5f1e-7c3a-9d2b-4e6f8a1c3d5e", "customer_data"]);
const ROUNDS = 5;
const OPERATIONS = 50_000;

/** Median over ROUNDS of the process's CPU microseconds per call of operation (after a warm-up). */
function cpuMicrosPerCall(operation: () => unknown): number {
  for (let i = 0; i < OPERATIONS / 5; i++) operation();
  const perCall: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const before = process.cpuUsage();
    for (let i = 0; i < OPERATIONS; i++) operation();
    const used = process.cpuUsage(before);
    perCall.push((used.user + used.system) / OPERATIONS);
  }
  return perCall.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
}

export async function run(): Promise<void> {
  const raw = randomBytes(32);
  const addonKey = aes256Gcm.createKey(raw);
  const nodeKey = createSecretKey(raw);
  const sealed = aes256Gcm.seal(addonKey, RECORD, ASSOCIATED_DATA);
  const addonIndexKey = hmacSha256.createKey(raw);

  const addon = {
    open: cpuMicrosPerCall(() => aes256Gcm.open(addonKey, sealed, ASSOCIATED_DATA)),
    seal: cpuMicrosPerCall(() => aes256Gcm.seal(addonKey, RECORD, ASSOCIATED_DATA)),
    index: cpuMicrosPerCall(() => hmacSha256.digest(addonIndexKey, PHONE_INDEX_INPUT)),
  };
  const node = {
    open: cpuMicrosPerCall(() => referenceOpen(nodeKey, sealed, ASSOCIATED_DATA)),
    seal: cpuMicrosPerCall(() => referenceSeal(nodeKey, RECORD, ASSOCIATED_DATA)),
    index: cpuMicrosPerCall(() => createHmac("sha256", nodeKey).update(PHONE_INDEX_INPUT, "utf8").digest()),
  };
  const row = (name: string, a: number, n: number) =>
    `  ${name.padEnd(44)}${a.toFixed(2).padStart(10)}${n.toFixed(2).padStart(14)}${(a / n).toFixed(2).padStart(8)}\n`;
  process.stdout.write(
    `Customer-data cipher, CPU µs per operation on a ${Buffer.byteLength(RECORD)}-byte record (median of ${ROUNDS} x ${OPERATIONS})\n` +
      `  ${"".padEnd(44)}${"addon".padStart(10)}${"node:crypto".padStart(14)}${"ratio".padStart(8)}\n` +
      row("open one record", addon.open, node.open) +
      row("seal one record", addon.seal, node.seal) +
      row("blind index of one value (HMAC-SHA256)", addon.index, node.index) +
      row("GetAppointment: open 1", addon.open, node.open) +
      row("ListAppointments page of 20: open 20", 20 * addon.open, 20 * node.open) +
      row("CreateAppointment: seal 1, blind index 2", addon.seal + 2 * addon.index, node.seal + 2 * node.index),
  );
}
