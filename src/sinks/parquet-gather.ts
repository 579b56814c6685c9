/**
 * Gathers the columns of a row group from records in one row-major pass. Each record is visited once and all its
 * fields are read by a loop compiled per table schema (`new Function`, built only from the schema's column names
 * quoted with `JSON.stringify`), so every field read is a monomorphic property load: reading column by column with
 * a computed key was measured 3–4× slower (megamorphic loads and a cache miss per record and column).
 * @module
 */
import { ScalplakeError } from '../core/errors.js';
import type { ColumnSpec } from '../core/schema.js';

/**
 * One column of a gathered row group. Numbers (INT64, INT32, DOUBLE; BOOLEAN as 0/1) are packed without nulls in
 * `nums`, strings in `strs`; `defs[i]` is the definition level of row `i` (1 value, 0 null; nullable columns only).
 */
export interface GatheredColumn {
  /** The column. */
  readonly spec: ColumnSpec;
  /** Non-null numeric values, in row order (first `values` entries). */
  nums: Float64Array;
  /** Non-null strings, in row order (first `values` entries; string columns only). */
  strs: string[];
  /** Definition levels per row (nullable columns only). */
  defs: Uint8Array;
  /** Non-null values in the row group. */
  values: number;
  /** Smallest non-null, non-NaN number (+Infinity when none; unused for strings). */
  min: number;
  /** Largest non-null, non-NaN number (−Infinity when none). */
  max: number;
  /** Grows the buffers to hold `n` rows. */
  ensure(n: number): void;
}

/** Calls on empty input that give the compiled loops type feedback for their exits. */
const WARM_UP_CALLS = 500;

/** A compiled gatherer for one table schema. */
export type Gatherer = (rows: readonly unknown[], start: number, n: number, columns: GatheredColumn[], rowBase: number) => void;

/**
 * Compiles the gatherer of a list of columns.
 *
 * @example
 * ```ts
 * const gather = compileGatherer(columnsOf(Kline));
 * const cols = columnsOf(Kline).map(gatheredColumn);
 * gather(rows, 0, rows.length, cols, 0); // throws SINK_WRITE naming column, row and value on a bad value
 * ```
 */
export function compileGatherer(specs: readonly ColumnSpec[]): Gatherer {
  const pre: string[] = [];
  const body: string[] = [];
  const post: string[] = [];
  specs.forEach((spec, k) => {
    const key = JSON.stringify(spec.name);
    pre.push(`const c${k} = cols[${k}], n${k} = c${k}.nums, s${k} = c${k}.strs, d${k} = c${k}.defs; let k${k} = 0;`);
    const isNull = spec.nullable ? `(v === null || v === undefined)` : 'false';
    const nullBranch = `else if (${isNull}) { d${k}[i] = 0; }`;
    const def = spec.nullable ? ` d${k}[i] = 1;` : '';
    let test: string;
    let store: string;
    switch (spec.type) {
      case 'int64':
      case 'timestamp':
        test = `typeof v === 'number' && Number.isSafeInteger(v)`;
        store = `n${k}[k${k}++] = v;`;
        break;
      case 'int32':
        test = `typeof v === 'number' && (v | 0) === v`;
        store = `n${k}[k${k}++] = v;`;
        break;
      case 'double':
        test = `typeof v === 'number'`;
        store = `n${k}[k${k}++] = v;`;
        break;
      case 'boolean':
        test = `typeof v === 'boolean'`;
        store = `n${k}[k${k}++] = v ? 1 : 0;`;
        break;
      case 'string':
        test = `typeof v === 'string'`;
        store = `s${k}[k${k}++] = v;`;
        break;
    }
    body.push(`{ const v = r[${key}]; if (${test}) { ${store}${def} } ${nullBranch} else fail(${k}, i, v); }`);
    post.push(`counts[${k}] = k${k};`);
  });
  const src = `${pre.join('\n')}
for (let i = 0; i < n; i++) {
  const r = rows[start + i];
  ${body.join('\n  ')}
}
${post.join('\n')}`;
  const compiled = new Function('rows', 'start', 'n', 'cols', 'fail', 'counts', src) as (
    rows: readonly unknown[],
    start: number,
    n: number,
    cols: GatheredColumn[],
    fail: (k: number, i: number, v: unknown) => never,
    counts: Int32Array,
  ) => void;
  const fail = (k: number, i: number, v: unknown): never => {
    throw badValue(specs[k]!, i, v);
  };
  // Run the code after the loops (on empty input) before the first real call: V8 compiles a hot loop on stack
  // (OSR) during that call, and code after the loop without type feedback made the compiled loop deoptimize on
  // every exit (measured: 3–5× slower gathering). V8 allocates feedback only after a few calls, hence the repeats.
  // Results go to typed arrays, whose stores keep one shape.
  const counts = new Int32Array(specs.length);
  const warm = specs.map(gatheredColumn);
  const range = new Float64Array(2);
  for (let i = 0; i < WARM_UP_CALLS; i++) {
    compiled([], 0, 0, warm, fail, counts);
    bounds(warm[0]?.nums ?? new Float64Array(0), 0, range);
  }
  return (rows, start, n, cols, rowBase) => {
    for (const c of cols) c.ensure(n);
    compiled(rows, start, n, cols, (k, i, v) => fail(k, rowBase + i, v), counts);
    // Bounds in a separate typed loop: tracked inside the generated loop they were measured 3× slower.
    for (let k = 0; k < cols.length; k++) {
      const c = cols[k]!;
      c.values = counts[k]!;
      if (c.spec.type === 'string') continue;
      bounds(c.nums, c.values, range);
      c.min = range[0]!;
      c.max = range[1]!;
    }
  };
}

/**
 * Creates the (empty) buffers of one column; {@link compileGatherer}'s function grows them as needed.
 *
 * @example
 * ```ts
 * const cols = columnsOf(Kline).map(gatheredColumn);
 * ```
 */
export function gatheredColumn(spec: ColumnSpec): GatheredColumn {
  return {
    spec,
    nums: new Float64Array(0),
    strs: [],
    defs: new Uint8Array(0),
    values: 0,
    min: Infinity,
    max: -Infinity,
    ensure(n: number): void {
      if (spec.type === 'string') {
        if (this.strs.length < n) this.strs = new Array<string>(n).fill('');
      } else if (this.nums.length < n) {
        this.nums = new Float64Array(n);
      }
      if (spec.nullable && this.defs.length < n) this.defs = new Uint8Array(n);
    },
  };
}

/** Smallest and largest of nums[0, count) into range[0], range[1] (NaN ignored; ±Infinity when none). */
function bounds(nums: Float64Array, count: number, range: Float64Array): void {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < count; i++) {
    const v = nums[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  range[0] = min;
  range[1] = max;
}

/** The `SINK_WRITE` error for a value its column cannot hold, naming the column, the row of the file and the value. */
export function badValue(spec: ColumnSpec, row: number, value: unknown): ScalplakeError {
  const shown = typeof value === 'bigint' ? `${value}n` : value === undefined ? 'undefined' : JSON.stringify(value);
  return new ScalplakeError(
    'SINK_WRITE',
    `Column "${spec.name}" (${spec.type}${spec.nullable ? ', nullable' : ''}) cannot hold ${shown} (row ${row} of the file)`,
    { context: { column: spec.name, type: spec.type, row, value } },
  );
}
