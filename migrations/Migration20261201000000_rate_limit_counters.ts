import { Migration } from "@mikro-orm/migrations";

/**
 * Request counters shared by every server instance, one row per bucket
 * (tenant or service credential) and fixed window. No entity maps it: the
 * rate-limit interceptor reads and writes it with one prepared statement.
 * Unlogged: counters are worth no WAL; after a crash PostgreSQL empties the
 * table and every bucket starts a fresh window.
 */
export class Migration20261201000000_rate_limit_counters extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create unlogged table rate_limit_counters (
        bucket_key text not null,
        window_start timestamptz not null,
        count integer not null,
        primary key (bucket_key, window_start)
      );`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists rate_limit_counters;`);
  }
}
