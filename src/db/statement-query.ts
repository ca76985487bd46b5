import pg from "pg";
import postgresDate from "postgres-date";

/** What a RowDescription message carries per column (pg-protocol's Field). */
interface FieldDescription {
  name: string;
  dataTypeID: number;
  format: string;
}

type Parser = (raw: string) => unknown;

const TIMESTAMPTZ_OID = 1184;

// The package is CommonJS (module.exports = the function), which is what Node hands an ES default import;
// its typings declare `export default` instead, which TypeScript reads as a property of that export.
const parseTimestamp = postgresDate as unknown as Parser;

/**
 * pg's parser for each column type, but timestamptz: pg-types 2 (which pg 8
 * pins) parses it with postgres-date 1, a regular expression at ~1 µs a
 * value; postgres-date 2 (what MikroORM parses with) reads the same text into
 * the same Date at ~0.35 µs. A page of 20 appointments has 80 of them.
 */
function parserFor(typeId: number): Parser {
  return typeId === TIMESTAMPTZ_OID ? parseTimestamp : (pg.types.getTypeParser(typeId, "text") as Parser);
}

/** A prepared statement's columns: the same for every execution, so parsed once. */
interface RowShape {
  names: string[];
  typeIds: number[];
  parsers: Parser[];
  /** Every column, null, in order: each row starts as a copy (one allocation, no growing). */
  template: Record<string, unknown>;
}

/** pg.Query's members this class builds on (not in @types/pg). */
interface QueryInternals {
  name: string | undefined;
  values: unknown[] | undefined;
  callback: ((error: Error | undefined, result: { rows: unknown[] }) => void) | undefined;
  _result: { rows: unknown[] };
  _canceledDueToError: unknown;
  handleRowDescription(message: { fields: FieldDescription[] }): void;
  handleDataRow(message: { fields: (string | null)[] }): void;
}

type QueryCallback = NonNullable<QueryInternals["callback"]>;

const Base = pg.Query as unknown as new (text: string, values: undefined, callback: QueryCallback) => QueryInternals;

function shapeOf(fields: FieldDescription[]): RowShape {
  const template: Record<string, unknown> = {};
  // Defined, not assigned: a column named __proto__ stays a column.
  for (const f of fields)
    Object.defineProperty(template, f.name, { value: null, writable: true, enumerable: true, configurable: true });
  return {
    names: fields.map((f) => f.name),
    typeIds: fields.map((f) => f.dataTypeID),
    parsers: fields.map((f) => parserFor(f.dataTypeID)),
    template,
  };
}

function matches(shape: RowShape, fields: FieldDescription[]): boolean {
  if (shape.names.length !== fields.length) return false;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field.format !== "text" || field.name !== shape.names[i] || field.dataTypeID !== shape.typeIds[i]) return false;
  }
  return true;
}

/**
 * One execution of a named prepared statement. pg describes the portal on
 * every execution and builds its row layout afresh each time (a
 * null-prototype object per row description, spread into every row: with
 * 30-odd columns, the largest single cost of a primary-key read in the
 * profiles); the layout of a named statement does not change, so it is built
 * once per statement name and checked against each description (a changed
 * schema builds it again). Rows are plain objects with the columns in order.
 */
class StatementQuery extends Base {
  private shape: RowShape | undefined;

  constructor(
    statementName: string,
    text: string,
    values: unknown[],
    private readonly shapes: Map<string, RowShape>,
    callback: QueryCallback,
  ) {
    // Text only: pg copies a config object property by property on every query. The callback goes in
    // here, not assigned afterwards: assigned to the constructed query, every call's rows and whatever
    // awaited them survived two scavenges and went to the old generation (CheckAvailability: ~6 MB/s
    // more promoted at 500 calls/s, so a mark-compact, with its latency spike, every ~3 s instead of ~5).
    super(text, undefined, callback);
    this.name = statementName;
    this.values = values;
  }

  override handleRowDescription(message: { fields: FieldDescription[] }): void {
    const known = this.shapes.get(this.name!);
    if (known && matches(known, message.fields)) {
      this.shape = known;
      return;
    }
    if (message.fields.every((f) => f.format === "text")) {
      this.shape = shapeOf(message.fields);
      this.shapes.set(this.name!, this.shape);
      return;
    }
    super.handleRowDescription(message);
  }

  override handleDataRow(message: { fields: (string | null)[] }): void {
    const shape = this.shape;
    if (!shape) return super.handleDataRow(message);
    if (this._canceledDueToError) return;
    const { names, parsers } = shape;
    const raw = message.fields;
    const row = { ...shape.template };
    try {
      for (let i = 0; i < raw.length; i++) {
        const value = raw[i];
        if (value !== null && value !== undefined) row[names[i]!] = parsers[i]!(value);
      }
    } catch (error) {
      // As pg does: the query fails with the parse error once the server is done with it.
      this._canceledDueToError = error;
      return;
    }
    this._result.rows.push(row);
  }
}

/**
 * PostgreSQL keeps the first 63 bytes of a prepared statement's name (NAMEDATALEN - 1): two longer
 * names alike up to there are one statement to the server, and the second Parse on a connection
 * fails with 42P05 while pg, which tracks the whole name, keeps asking.
 */
const MAX_STATEMENT_NAME_BYTES = 63;

/** Runs named statements through StatementQuery, remembering each statement's row layout. */
export class StatementRunner {
  private readonly shapes = new Map<string, RowShape>();

  run<R>(client: pg.ClientBase, name: string, text: string, values: unknown[]): Promise<R[]> {
    // Checked until the statement has run once (then its row shape is known): not on every call.
    if (!this.shapes.has(name) && Buffer.byteLength(name) > MAX_STATEMENT_NAME_BYTES) {
      return Promise.reject(new Error(`prepared statement name over ${MAX_STATEMENT_NAME_BYTES} bytes: ${name}`));
    }
    return new Promise((resolve, reject) => {
      const query = new StatementQuery(name, text, values, this.shapes, (error, result) =>
        error ? reject(error) : resolve(result.rows as R[]),
      );
      void client.query(query as unknown as pg.Submittable);
    });
  }
}
