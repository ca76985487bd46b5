import { Migration } from "@mikro-orm/migrations";

const SEALED_FIELDS = ["customer_name", "customer_phone", "customer_email", "address", "description", "notes"];

/**
 * An appointment's customer data as ONE sealed record (customer_data_enc)
 * instead of one ciphertext per field, cancellation notes (free text about
 * the customer, until now in plaintext) included; and the digest of an
 * idempotent request stored only sealed (request_sealed), since a plain
 * digest of a request carrying personal data lets a guess be tested.
 *
 * Nothing is lost on the way: the per-field ciphertexts, the cancellation
 * notes and the plain digests are renamed legacy_*, and the service repacks
 * them into the sealed columns and empties them at startup, before it serves
 * (encryptLegacyCustomerData), because sealing needs the master key, which
 * migrations never see. A later migration drops the emptied legacy_* columns.
 */
export class Migration20261222000000_customer_data_record extends Migration {
  override async up(): Promise<void> {
    for (const field of SEALED_FIELDS) {
      this.addSql(`alter table appointments rename column ${field}_enc to legacy_${field}_enc;`);
    }
    this.addSql(`alter table appointments rename column cancellation_notes to legacy_cancellation_notes;`);
    this.addSql(`alter table appointments add column customer_data_enc bytea;`);

    this.addSql(`alter table idempotency_records rename column request_hash to legacy_request_hash;`);
    this.addSql(`alter table idempotency_records alter column legacy_request_hash drop not null;`);
    this.addSql(
      `alter table idempotency_records add column request_sealed bytea, add column request_key_version integer;`,
    );
  }

  /** Back to the old columns; what was sealed only in the new ones (written since) is dropped with them. */
  override async down(): Promise<void> {
    this.addSql(`alter table idempotency_records drop column request_sealed, drop column request_key_version;`);
    this.addSql(`update idempotency_records set legacy_request_hash = 'erased' where legacy_request_hash is null;`);
    this.addSql(`alter table idempotency_records alter column legacy_request_hash set not null;`);
    this.addSql(`alter table idempotency_records rename column legacy_request_hash to request_hash;`);

    this.addSql(`alter table appointments drop column customer_data_enc;`);
    this.addSql(`alter table appointments rename column legacy_cancellation_notes to cancellation_notes;`);
    for (const field of SEALED_FIELDS) {
      this.addSql(`alter table appointments rename column legacy_${field}_enc to ${field}_enc;`);
    }
  }
}
