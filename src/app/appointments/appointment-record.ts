import type { Buffer } from "node:buffer";
import { FieldDecryptionError, type TenantDataKey } from "../../crypto/customer-data-cipher.js";
import { AppointmentSchema, type Appointment } from "../../entities/appointment.js";
import type { EntityManager } from "@mikro-orm/postgresql";
import type { TenantKeyRing } from "../customer-data/tenant-key-ring.js";
import {
  appointmentBaseFromRow,
  sealedColumnsFromRow,
  type AppointmentBase,
  type AppointmentRow,
  type SealedCustomerData,
} from "./appointment-row.js";

/** The unit of work a caller inside a transaction passes, so key reads use its connection. */
type KeyReader = Pick<EntityManager, "execute">;

/**
 * The one place an appointment's customer data is sealed and opened. Use
 * cases (and the outbox delivery, provider pushes, field-service jobs) read
 * an appointment through openAppointment or openAppointmentRows and write one
 * through sealCustomerData; nothing else opens or seals customerDataEnc.
 *
 * The personal fields travel as ONE sealed record (a small JSON object in
 * customer_data_enc, bound to tenant, row and "customer_data"): one AES-GCM
 * pass per row instead of one per field, which is most of what encryption
 * cost the hot paths.
 */
export interface CustomerData {
  customerName: string;
  customerPhone: string;
  customerEmail: string | null;
  address: string | null;
  description: string | null;
  notes: string | null;
  /** Free text given with a cancellation: personal like the notes. */
  cancellationNotes: string | null;
}

/** What a booking gives: everything but the cancellation notes, which only a cancel sets. */
export type BookedCustomerData = Omit<CustomerData, "cancellationNotes"> & { cancellationNotes?: string | null };

export type CustomerDataStatus = "available" | "erased" | "unreadable";

/** An appointment as use cases see it: customer data in the clear, or empty with the reason. */
export type AppointmentRecord = AppointmentBase & CustomerData & { customerDataStatus: CustomerDataStatus };

/** The name bound into the record's ciphertext (with the tenant and the row). */
const RECORD_COLUMN = "customer_data";

export const CUSTOMER_DATA_FIELDS: readonly (keyof CustomerData)[] = [
  "customerName",
  "customerPhone",
  "customerEmail",
  "address",
  "description",
  "notes",
  "cancellationNotes",
];

const EMPTY: CustomerData = {
  customerName: "",
  customerPhone: "",
  customerEmail: null,
  address: null,
  description: null,
  notes: null,
  cancellationNotes: null,
};

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The columns to store for data (all of it, under the tenant's current key), with the blind indexes. */
export function sealCustomerData(key: TenantDataKey, rowId: string, data: BookedCustomerData): SealedCustomerData {
  return {
    customerDataEnc: key.seal(JSON.stringify(pickCustomerData(data)), { rowId, column: RECORD_COLUMN }),
    customerPhoneIndex: data.customerPhone ? key.blindIndex("phone", data.customerPhone) : null,
    customerEmailIndex: data.customerEmail ? key.blindIndex("email", normaliseEmail(data.customerEmail)) : null,
    piiKeyVersion: key.version,
  };
}

/** The entity without its sealed columns (to pair with customer data in the clear). */
function withoutSealedColumns(row: Appointment): AppointmentBase {
  const {
    customerDataEnc: _sealed,
    customerPhoneIndex: _phoneIndex,
    customerEmailIndex: _emailIndex,
    piiKeyVersion: _keyVersion,
    ...rest
  } = row;
  return rest;
}

/** A row just written (as the hot paths' statements return it) from customer data the caller holds in the clear: nothing to open. */
export function recordWith(row: AppointmentRow, data: BookedCustomerData): AppointmentRecord {
  return recordOf(appointmentBaseFromRow(row), pickCustomerData(data), "available");
}

/** The record, made on base itself (always a fresh object): one copy of the row's columns per record. */
function recordOf(base: AppointmentBase, data: CustomerData, status: CustomerDataStatus): AppointmentRecord {
  return Object.assign(base, data, { customerDataStatus: status });
}

function pickCustomerData(data: BookedCustomerData): CustomerData {
  return {
    customerName: data.customerName,
    customerPhone: data.customerPhone,
    customerEmail: data.customerEmail,
    address: data.address,
    description: data.description,
    notes: data.notes,
    cancellationNotes: data.cancellationNotes ?? null,
  };
}

/** The record as sealed; a field it lacks (or holds as a non-string) reads as empty. */
function parseCustomerData(json: string): CustomerData {
  const stored = JSON.parse(json) as Record<string, unknown>;
  const text = (field: keyof CustomerData) => {
    const value = stored[field];
    return typeof value === "string" ? value : null;
  };
  return {
    customerName: text("customerName") ?? "",
    customerPhone: text("customerPhone") ?? "",
    customerEmail: text("customerEmail"),
    address: text("address"),
    description: text("description"),
    notes: text("notes"),
    cancellationNotes: text("cancellationNotes"),
  };
}

function openWith(
  key: TenantDataKey | undefined,
  base: AppointmentBase,
  sealed: SealedCustomerData,
): AppointmentRecord {
  if (base.customerDataErasedAt) return recordOf(base, EMPTY, "erased");
  if (!key) return recordOf(base, EMPTY, "unreadable");
  const record = sealed.customerDataEnc as Buffer | null | undefined;
  if (!record) return recordOf(base, EMPTY, "available");
  try {
    return recordOf(base, parseCustomerData(key.open(record, { rowId: base.id, column: RECORD_COLUMN })), "available");
  } catch (error) {
    if (error instanceof FieldDecryptionError) return recordOf(base, EMPTY, "unreadable");
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
  return openWith(key, withoutSealedColumns(row), row);
}

/**
 * The sealed columns for the row's customer data with changes applied, all
 * of it sealed again under the tenant's current key (a row never mixes key
 * versions); without them, the reason the data cannot change (erased or
 * unreadable).
 */
export async function resealCustomerData(
  keys: TenantKeyRing,
  row: Appointment,
  changes: Partial<CustomerData>,
  reader?: KeyReader,
): Promise<{ sealed: SealedCustomerData } | { sealed?: undefined; status: CustomerDataStatus }> {
  const current = await openAppointment(keys, row, reader);
  if (current.customerDataStatus !== "available") return { status: current.customerDataStatus };
  const merged: CustomerData = { ...pickCustomerData(current), ...changes };
  return { sealed: sealCustomerData(await keys.current(row.tenantId, reader), row.id, merged) };
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

/** Opens many rows (as the hot paths' statements return them) of any tenants, fetching each (tenant, version) key once. */
export async function openAppointmentRows(
  keys: TenantKeyRing,
  rows: AppointmentRow[],
  reader?: KeyReader,
): Promise<AppointmentRecord[]> {
  const wanted = new Map<string, Promise<TenantDataKey | undefined>>();
  const keyOf = (tenantId: string, version: number | null | undefined) => {
    if (version === null || version === undefined) return Promise.resolve(undefined);
    const id = `${tenantId}\u0000${version}`;
    let key = wanted.get(id);
    if (!key) wanted.set(id, (key = keys.version(tenantId, version, reader)));
    return key;
  };
  return Promise.all(
    rows.map(async (row) => {
      const base = appointmentBaseFromRow(row);
      const sealed = sealedColumnsFromRow(row);
      return openWith(await keyOf(base.tenantId, sealed.piiKeyVersion), base, sealed);
    }),
  );
}

const LEGACY_COLUMNS = {
  customerName: "customer_name",
  customerPhone: "customer_phone",
  customerEmail: "customer_email",
  address: "address",
  description: "description",
  notes: "notes",
} as const;
type LegacyColumn = (typeof LEGACY_COLUMNS)[keyof typeof LEGACY_COLUMNS];

/** Every column that held customer data before the sealed record. */
export const LEGACY_CUSTOMER_COLUMNS: readonly string[] = [
  ...Object.values(LEGACY_COLUMNS).flatMap((column) => [`legacy_${column}`, `legacy_${column}_enc`]),
  "legacy_cancellation_notes",
];

/** A row's columns from before the sealed record (see openLegacyCustomerData). */
export type LegacyCustomerColumns = Record<`legacy_${LegacyColumn}` | `legacy_${LegacyColumn}_enc`, unknown> & {
  id: string;
  legacy_cancellation_notes: string | null;
};

/**
 * A row's customer data in a form older than the sealed record: each field
 * in its own ciphertext (legacy_<column>_enc, bound to its column, under the
 * row's key version) or in plaintext (legacy_<column>), cancellation notes in
 * plaintext. Plaintext wins where a field has both. Throws
 * FieldDecryptionError when a ciphertext cannot be opened (its key is gone,
 * or it was altered).
 */
export function openLegacyCustomerData(key: TenantDataKey | undefined, row: LegacyCustomerColumns): CustomerData {
  const field = (column: LegacyColumn): string | null => {
    const plain = row[`legacy_${column}`];
    if (typeof plain === "string") return plain;
    const sealed = row[`legacy_${column}_enc`] as Buffer | null;
    if (!sealed) return null;
    if (!key) throw new FieldDecryptionError(`${column}: its key no longer exists`);
    return key.open(sealed, { rowId: row.id, column });
  };
  return {
    customerName: field(LEGACY_COLUMNS.customerName) ?? "",
    customerPhone: field(LEGACY_COLUMNS.customerPhone) ?? "",
    customerEmail: field(LEGACY_COLUMNS.customerEmail),
    address: field(LEGACY_COLUMNS.address),
    description: field(LEGACY_COLUMNS.description),
    notes: field(LEGACY_COLUMNS.notes),
    cancellationNotes: row.legacy_cancellation_notes,
  };
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
