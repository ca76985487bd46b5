/** Raw queries return timestamptz as text (the ORM's driver settings) or as Date. */
export type SqlTimestamp = string | Date;

export function instantOf(value: SqlTimestamp): Date {
  return value instanceof Date ? value : new Date(value);
}
