/**
 * Column types for table schemas. A table is a zod object whose fields are built with {@link col}; the zod schema
 * is the single source of truth from which the TypeScript type ({@link z.infer}), the Parquet schema
 * ({@link parquetSchemaOf}) and the SQL DDL ({@link sqlDdlOf}) are derived.
 * @module
 */
import { z } from 'zod';

/** The storage type of a column: one name across TypeScript, Parquet and SQL. */
export type ColumnType = 'timestamp' | 'int64' | 'int32' | 'double' | 'boolean' | 'string';

/** What the registry records about a column schema. */
export interface ColumnMeta {
  /** The storage type. */
  readonly type: ColumnType;
  /** One sentence on what the column holds, with its unit. */
  readonly description?: string;
}

/** The registry that tags zod schemas with their storage type. */
export const columnRegistry = z.registry<ColumnMeta>();

const ts = () => z.number().int().nonnegative();

/**
 * Builders of column schemas. Times are UTC epoch milliseconds (`number`), ids are integers below 2^53.
 *
 * @example
 * ```ts
 * const Trade = z.object({ trade_time: col.timestamp(), price: col.double(), note: col.string().nullable() });
 * ```
 */
export const col = {
  /** UTC epoch milliseconds; Parquet INT64 TIMESTAMP(MILLIS, UTC), SQL `TIMESTAMPTZ`-compatible `TIMESTAMP`. */
  timestamp: (description?: string) => ts().register(columnRegistry, meta('timestamp', description)),
  /** A 64-bit integer id or count (safe below 2^53); Parquet INT64, SQL BIGINT. */
  int64: (description?: string) => z.number().int().register(columnRegistry, meta('int64', description)),
  /** A 32-bit integer; Parquet INT32, SQL INTEGER. */
  int32: (description?: string) =>
    z.number().int().min(-2147483648).max(2147483647).register(columnRegistry, meta('int32', description)),
  /** A finite floating-point value (prices, quantities); Parquet DOUBLE, SQL DOUBLE. */
  double: (description?: string) => z.number().register(columnRegistry, meta('double', description)),
  /** A boolean; Parquet BOOLEAN, SQL BOOLEAN. */
  boolean: (description?: string) => z.boolean().register(columnRegistry, meta('boolean', description)),
  /** UTF-8 text; Parquet BYTE_ARRAY (STRING), SQL VARCHAR. */
  string: (description?: string) => z.string().register(columnRegistry, meta('string', description)),
};

function meta(type: ColumnType, description: string | undefined): ColumnMeta {
  return description === undefined ? { type } : { type, description };
}

/** A table schema: a zod object whose fields were built with {@link col}. */
export type TableSchema = z.ZodObject<Record<string, z.ZodType>>;

/** One column of a table as the writers see it. */
export interface ColumnSpec {
  /** The snake_case column name. */
  readonly name: string;
  /** The storage type. */
  readonly type: ColumnType;
  /** Whether the column may hold `null`. */
  readonly nullable: boolean;
  /** One sentence on what the column holds. */
  readonly description?: string;
}

/**
 * The position of a column in {@link columnsOf}: where its values are in rows packed as columns (`PackedRows`).
 *
 * @throws Error when the schema has no such column (a programming error: column names are fixed by the schema).
 * @example
 * ```ts
 * columnIndex(Kline, 'open_time'); // 2
 * ```
 */
export function columnIndex(schema: TableSchema, name: string): number {
  const k = columnsOf(schema).findIndex((c) => c.name === name);
  if (k < 0) throw new Error(`The table has no column "${name}"`);
  return k;
}

/**
 * Lists the columns of a table schema in order, with their storage types.
 *
 * @throws Error when a field was not built with {@link col} (a programming error in a schema definition).
 * @example
 * ```ts
 * columnsOf(Kline).map(c => c.name); // ['symbol', 'interval', 'open_time', …]
 * ```
 */
export function columnsOf(schema: TableSchema): readonly ColumnSpec[] {
  const cached = columnCache.get(schema);
  if (cached) return cached;
  const out: ColumnSpec[] = [];
  for (const [name, field] of Object.entries(schema.shape)) {
    let inner: z.ZodType = field;
    let nullable = false;
    while (inner instanceof z.ZodNullable || inner instanceof z.ZodOptional) {
      nullable = true;
      inner = inner.unwrap() as z.ZodType;
    }
    const m = columnRegistry.get(inner);
    if (!m) throw new Error(`Column "${name}" was not built with col.*()`);
    out.push(m.description === undefined ? { name, type: m.type, nullable } : { name, type: m.type, nullable, description: m.description });
  }
  columnCache.set(schema, out);
  return out;
}
const columnCache = new WeakMap<TableSchema, readonly ColumnSpec[]>();

/** The Parquet TIMESTAMP logical type, as scalplake writes it (UTC milliseconds). */
export interface ParquetTimestampType {
  /** Logical type name. */
  type: 'TIMESTAMP';
  /** Always true: instants in UTC. */
  isAdjustedToUTC: boolean;
  /** Always milliseconds. */
  unit: 'MILLIS';
}

/** The Parquet STRING logical type. */
export interface ParquetStringType {
  /** Logical type name. */
  type: 'STRING';
}

/** A Parquet schema element as hyparquet-writer takes it (a subset of parquet-format's `SchemaElement`). */
export interface ParquetSchemaElement {
  /** Column name (or `root`). */
  name: string;
  /** Physical type. */
  type?: 'BOOLEAN' | 'INT32' | 'INT64' | 'DOUBLE' | 'BYTE_ARRAY';
  /** REQUIRED or OPTIONAL. */
  repetition_type?: 'REQUIRED' | 'OPTIONAL';
  /** Legacy converted type. */
  converted_type?: 'UTF8' | 'TIMESTAMP_MILLIS';
  /** Logical type. */
  logical_type?: ParquetTimestampType | ParquetStringType;
  /** Number of children (root only). */
  num_children?: number;
}

/**
 * Derives the explicit Parquet schema of a table: timestamps INT64 TIMESTAMP(MILLIS, isAdjustedToUTC=true), ids
 * INT64, prices DOUBLE, booleans BOOLEAN, text UTF-8 BYTE_ARRAY. Writers are always given this, never inference.
 *
 * @example
 * ```ts
 * parquetSchemaOf(Kline)[1]; // { name: 'symbol', type: 'BYTE_ARRAY', converted_type: 'UTF8', … }
 * ```
 */
export function parquetSchemaOf(schema: TableSchema): ParquetSchemaElement[] {
  const cols = columnsOf(schema);
  const out: ParquetSchemaElement[] = [{ name: 'root', num_children: cols.length }];
  for (const c of cols) {
    const repetition_type = c.nullable ? 'OPTIONAL' : 'REQUIRED';
    switch (c.type) {
      case 'timestamp':
        out.push({
          name: c.name,
          type: 'INT64',
          repetition_type,
          converted_type: 'TIMESTAMP_MILLIS',
          logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
        });
        break;
      case 'int64':
        out.push({ name: c.name, type: 'INT64', repetition_type });
        break;
      case 'int32':
        out.push({ name: c.name, type: 'INT32', repetition_type });
        break;
      case 'double':
        out.push({ name: c.name, type: 'DOUBLE', repetition_type });
        break;
      case 'boolean':
        out.push({ name: c.name, type: 'BOOLEAN', repetition_type });
        break;
      case 'string':
        out.push({ name: c.name, type: 'BYTE_ARRAY', repetition_type, converted_type: 'UTF8', logical_type: { type: 'STRING' } });
        break;
    }
  }
  return out;
}

const SQL_TYPES: Readonly<Record<ColumnType, string>> = {
  timestamp: 'TIMESTAMP',
  int64: 'BIGINT',
  int32: 'INTEGER',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  string: 'VARCHAR',
};

/** Options of {@link sqlDdlOf}. */
export interface SqlDdlOptions {
  /** `duckdb` (a view over the Parquet files, Hive partitions read from the path) or `athena` (an external table). */
  readonly dialect: 'duckdb' | 'athena';
  /** The table name in SQL. */
  readonly table: string;
  /** The folder (or `s3://…` prefix) that holds the table's Hive partitions. */
  readonly location: string;
  /** Partition columns that are in the path, not in the files (e.g. `date`, `hour`). */
  readonly partitionColumns?: readonly string[];
}

/**
 * Derives the SQL that exposes a table's Parquet files to DuckDB or Athena.
 *
 * @example
 * ```ts
 * sqlDdlOf(Kline, { dialect: 'duckdb', table: 'klines', location: 'lake/silver/klines' });
 * // CREATE OR REPLACE VIEW klines AS SELECT * FROM read_parquet('lake/silver/klines/**\/*.parquet', hive_partitioning = true)
 * ```
 */
export function sqlDdlOf(schema: TableSchema, options: SqlDdlOptions): string {
  const cols = columnsOf(schema);
  const loc = options.location.replace(/\/+$/, '');
  if (options.dialect === 'duckdb') {
    return `CREATE OR REPLACE VIEW ${options.table} AS SELECT * FROM read_parquet('${loc}/**/*.parquet', hive_partitioning = true, union_by_name = true)`;
  }
  const partitions = options.partitionColumns ?? [];
  const athenaType = (t: ColumnType) => (t === 'string' ? 'STRING' : SQL_TYPES[t]);
  const body = cols
    .filter((c) => !partitions.includes(c.name))
    .map((c) => `  \`${c.name}\` ${athenaType(c.type)}`)
    .join(',\n');
  const parts = partitions.length
    ? `\nPARTITIONED BY (${partitions.map((p) => `\`${p}\` STRING`).join(', ')})`
    : '';
  return `CREATE EXTERNAL TABLE IF NOT EXISTS ${options.table} (\n${body}\n)${parts}\nSTORED AS PARQUET\nLOCATION '${loc}/'`;
}

/** The SQL type name of a column type (DuckDB dialect). */
export function sqlTypeOf(type: ColumnType): string {
  return SQL_TYPES[type];
}
