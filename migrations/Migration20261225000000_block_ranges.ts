import { Migration } from "@mikro-orm/migrations";

/**
 * A GiST index on each live block's tenant and time range, so that the busy
 * read finds the blocks overlapping its window without reading every past
 * block of the tenant (the btree on (tenant_id, start_time, end_time) can
 * bound an overlap only from above). Appointments have one already: their
 * exclusion constraint's.
 */
export class Migration20261225000000_block_ranges extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index availability_blocks_tenant_range on availability_blocks
         using gist (tenant_id, tstzrange(start_time, end_time, '[)')) where deleted_at is null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists availability_blocks_tenant_range;`);
  }
}
