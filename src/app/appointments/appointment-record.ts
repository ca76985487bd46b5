import type { Buffer } from "node:buffer";
import { FieldDecryptionError, type TenantDataKey } from "../../crypto/customer-data-cipher.js";
import { AppointmentSchema, type Appointment } from "../../entities/appointment.js";
import type { EntityManager } from "@mikro-orm/postgresql";
import type { TenantKeyRing } from "../customer-data/tenant-key-ring.js";

/** The unit of work a caller inside a transaction passes, so key reads use its connection. */
type KeyReader = Pick<EntityManager, "execute">;

/**
 * The one place an appointment's customer data is sealed and opened. Use
 * cases (and the outbox delivery, provider pushes, field-service jobs) read
 * an appointment through openAppointment(s) and write one through
 * sealCustomerData; nothing else touches the *Enc columns.
 */
export interface CustomerData {
  customerName: string;
  customerPhone: string;
  customerEmail: string | null;
  address: string | null;
  description: string | null;
  notes: string | null;
}

export type CustomerDataStatus = "available" | "erased" | "unreadable";

type SealedColumn =
  | "customerNameEnc"
  | "customerPhoneEnc"
  | "customerEmailEnc"
  | "addressEnc"
  | "descriptionEnc"
  | "notesEnc"
  | "customerPhoneIndex"
  | "customerEmailIndex"
  | "piiKeyVersion";

/** An appointment as use cases see it: customer data in the clear, or empty with the reason. */
export type AppointmentRecord = Omit<Appointment, SealedColumn> &
  CustomerData & { customerDataStatus: CustomerDataStatus };

/** Each personal field, its column and the name bound into its ciphertext. */
const SEALED: { field: keyof CustomerData; property: SealedColumn; column: string }[] = [
  { field: "customerName", property: "customerNameEnc", column: "customer_name" },
  { field: "customerPhone", property: "customerPhoneEnc", column: "customer_phone" },
  { field: "customerEmail", property: "customerEmailEnc", column: "customer_email" },
  { field: "address", property: "addressEnc", column: "address" },
  { field: "description", property: "descriptionEnc", column: "description" },
  { field: "notes", property: "notesEnc", column: "notes" },
];

export const CUSTOMER_DATA_FIELDS: readonly (keyof CustomerData)[] = SEALED.map((s) => s.field);

export type SealedCustomerData = Pick<Appointment, SealedColumn>;

const EMPTY: CustomerData = {
  customerName: "",
  customerPhone: "",
  customerEmail: null,
  address: null,
  description: null,
  notes: null,
};

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The columns to store for data (all of it, under the tenant's current key), with the blind indexes. */
export function sealCustomerData(key: TenantDataKey, rowId: string, data: CustomerData): SealedCustomerData {
  const sealed = Object.fromEntries(
    SEALED.map(({ field, property, column }) => {
      const value = data[field];
      return [property, value === null ? null : key.seal(value, { rowId, column })];
    }),
  ) as Record<SealedColumn, Buffer | null>;
  return {
    ...sealed,
    customerPhoneIndex: data.customerPhone ? key.blindIndex("phone", data.customerPhone) : null,
    customerEmailIndex: data.customerEmail ? key.blindIndex("email", normaliseEmail(data.customerEmail)) : null,
    piiKeyVersion: key.version,
  };
}

/** The row without its sealed columns (to pair with customer data already in the clear). */
export function withoutSealedColumns(row: Appointment): Omit<Appointment, SealedColumn> {
  const copy: Partial<Appointment> = { ...row };
  for (const { property } of SEALED) delete copy[property];
  delete copy.customerPhoneIndex;
  delete copy.customerEmailIndex;
  delete copy.piiKeyVersion;
  return copy as Omit<Appointment, SealedColumn>;
}

/** A row just written from customer data the caller holds in the clear: nothing to open. */
export function recordWith(row: Appointment, data: CustomerData): AppointmentRecord {
  return { ...withoutSealedColumns(row), ...pickCustomerData(data), customerDataStatus: "available" };
}

function pickCustomerData(data: CustomerData): CustomerData {
  return Object.fromEntries(SEALED.map(({ field }) => [field, data[field]])) as unknown as CustomerData;
}

function openWith(key: TenantDataKey | undefined, row: Appointment): AppointmentRecord {
  const base = withoutSealedColumns(row);
  if (row.customerDataErasedAt) return { ...base, ...EMPTY, customerDataStatus: "erased" };
  if (!key) return { ...base, ...EMPTY, customerDataStatus: "unreadable" };
  try {
    const data = Object.fromEntries(
      SEALED.map(({ field, property, column }) => {
        const sealed = row[property] as Buffer | null | undefined;
        return [field, sealed ? key.open(sealed, { rowId: row.id, column }) : null];
      }),
    ) as unknown as CustomerData;
    return {
      ...base,
      ...data,
      customerName: data.customerName ?? "",
      customerPhone: data.customerPhone ?? "",
      customerDataStatus: "available",
    };
  } catch (error) {
    if (error instanceof FieldDecryptionError) return { ...base, ...EMPTY, customerDataStatus: "unreadable" };
    throw error;
  }
}

/** Opens one row; a destroyed key (or an altered ciphertext) reads as "unreadable", never an error. */
export async function openAppointment(
  keys: TenantKeyRing,
  row: Appointment,
  reader?: KeyReader,
): Promise<AppointmentRecord> {
  const version = row.piiKeyVersion;
  const key = version === null || version === undefined ? undefined : await keys.version(row.tenantId, version, reader);
  return openWith(key, row);
}

/** An appointment by id (within tenantId), opened; null when there is none. */
export async function loadAppointmentRecord(
  keys: TenantKeyRing,
  em: EntityManager,
  id: string,
  tenantId?: string,
): Promise<AppointmentRecord | null> {
  const row = await em.findOne(AppointmentSchema, tenantId === undefined ? { id } : { id, tenantId });
  return row ? openAppointment(keys, row) : null;
}

/** Opens many rows of any tenants, fetching each (tenant, version) key once. */
export async function openAppointments(
  keys: TenantKeyRing,
  rows: Appointment[],
  reader?: KeyReader,
): Promise<AppointmentRecord[]> {
  const wanted = new Map<string, Promise<TenantDataKey | undefined>>();
  const keyOf = (row: Appointment) => {
    const version = row.piiKeyVersion;
    if (version === null || version === undefined) return Promise.resolve(undefined);
    const id = `${row.tenantId}\u0000${version}`;
    let key = wanted.get(id);
    if (!key) wanted.set(id, (key = keys.version(row.tenantId, version, reader)));
    return key;
  };
  return Promise.all(rows.map(async (row) => openWith(await keyOf(row), row)));
}

/** Blind indexes of a phone (E.164) or email under every live key version of the tenant. */
export async function customerLookupIndexes(
  keys: TenantKeyRing,
  tenantId: string,
  lookup: { phone?: string; email?: string },
  reader?: KeyReader,
): Promise<{ phone: Buffer[]; email: Buffer[] }> {
  const all = await keys.all(tenantId, reader);
  return {
    phone: lookup.phone ? all.map((k) => k.blindIndex("phone", lookup.phone!)) : [],
    email: lookup.email ? all.map((k) => k.blindIndex("email", normaliseEmail(lookup.email!))) : [],
  };
}
