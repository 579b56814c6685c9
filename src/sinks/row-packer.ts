/**
 * Columnar buffering of rows. A sink that holds rows until their partition is complete keeps them long enough for
 * V8 to promote them to the old generation, where every number field is a separate boxed object: a bulk import's
 * memory then grows with everything it has seen, not with what it holds. Packing rows into typed columns as they
 * arrive lets the row objects die young; they are rebuilt (briefly) when the partition is written.
 * @module
 */
import { ScalplakeError } from '../core/errors.js';
import type { ColumnSpec } from '../core/schema.js';
import type { GatheredColumn } from './parquet-gather.js';

/** Rows of one table held as growable columns. */
export interface PackedRows {
  /** Rows held. */
  n: number;
  /** Capacity of the columns. */
  cap: number;
  /** Per column: a `Float64Array` (numbers, booleans as 0/1) or an array of strings. */
  cols: (Float64Array | (string | null)[])[];
  /** Per column: 1 where the value is null (nullable non-string columns), else an empty array. */
  nulls: Uint8Array[];
}

/** The null mask of a column without nulls (shared: it has no element to write). */
const NO_NULLS = new Uint8Array(0);

/** Packs rows of one schema into {@link PackedRows} and rebuilds them. */
export interface RowPacker {
  /** Creates an empty store. */
  create(capacity?: number): PackedRows;
  /** Appends one row. @throws `SINK_WRITE` naming the column and the value when it does not fit the column type. */
  push(into: PackedRows, row: unknown): void;
  /** Rebuilds the rows, fields in schema order. */
  unpack(from: PackedRows): Record<string, unknown>[];
  /** Rebuilds row `i` alone (a new object, fields in schema order). */
  row(from: PackedRows, i: number): Record<string, unknown>;
  /**
   * Writes row `i` into a record made by {@link RowPacker.row} (same fields, overwritten in place): a reader that
   * needs one row at a time as a record, without an allocation per row.
   */
  rowInto(from: PackedRows, i: number, into: Record<string, unknown>): void;
  /**
   * Appends rows `[start, start + n)` of another store of the same columns (a producer that builds columns itself,
   * like the gold engine), column by column.
   */
  append(into: PackedRows, from: PackedRows, start: number, n: number): void;
  /** Writes rows `[start, start + n)` into the Parquet encoder's gathered columns (no row objects on the way). */
  fill(from: PackedRows, start: number, n: number, into: GatheredColumn[]): void;
}

/**
 * Compiles the packer of a list of columns (code generated from the column names, quoted with `JSON.stringify`, so
 * that every field access is a monomorphic property load).
 *
 * @example
 * ```ts
 * const packer = compileRowPacker(columnsOf(AggTrade));
 * const p = packer.create();
 * for (const r of batch) packer.push(p, r);
 * const rows = packer.unpack(p);
 * ```
 */
export function compileRowPacker(columns: readonly ColumnSpec[]): RowPacker {
  const push: string[] = ['const i = p.n; if (i === p.cap) grow(p);'];
  const unpackPre: string[] = [];
  const fields: string[] = [];
  const assign: string[] = [];
  columns.forEach((c, k) => {
    const key = JSON.stringify(c.name);
    push.push(`{ const v = r[${key}];`);
    if (c.type === 'string') {
      push.push(`if (typeof v === 'string') p.cols[${k}][i] = v;`);
      push.push(c.nullable ? `else if (v === null || v === undefined) p.cols[${k}][i] = null;` : '');
      push.push(`else bad(${key}, v); }`);
      unpackPre.push(`const c${k} = p.cols[${k}];`);
      fields.push(`${key}: c${k}[i]`);
      assign.push(`o[${key}] = c${k}[i];`);
      return;
    }
    const nul = c.nullable ? `p.nulls[${k}][i] = 0; ` : '';
    if (c.type === 'boolean') {
      push.push(`if (v === true) { p.cols[${k}][i] = 1; ${nul}} else if (v === false) { p.cols[${k}][i] = 0; ${nul}}`);
    } else {
      // The encoder's checks: an INT32 in range, an INT64 or timestamp a safe integer (what the rows path accepts).
      const ok =
        c.type === 'double'
          ? `typeof v === 'number'`
          : c.type === 'int32'
            ? `typeof v === 'number' && (v | 0) === v`
            : `Number.isSafeInteger(v)`;
      push.push(`if (${ok}) { p.cols[${k}][i] = v; ${nul}}`);
    }
    push.push(c.nullable ? `else if (v === null || v === undefined) p.nulls[${k}][i] = 1;` : '');
    push.push(`else bad(${key}, v); }`);
    unpackPre.push(`const c${k} = p.cols[${k}]${c.nullable ? `, z${k} = p.nulls[${k}]` : ''};`);
    const value = c.type === 'boolean' ? `c${k}[i] === 1` : `c${k}[i]`;
    fields.push(`${key}: ${c.nullable ? `z${k}[i] === 1 ? null : ${value}` : value}`);
    // A branch per store rather than a conditional value: a number|null value would be boxed (one allocation per field).
    assign.push(c.nullable ? `if (z${k}[i] === 1) o[${key}] = null; else o[${key}] = ${value};` : `o[${key}] = ${value};`);
  });
  push.push('p.n = i + 1;');
  const pushFn = new Function('grow', 'bad', `return function push(p, r) {\n${push.join('\n')}\n};`)(grow, bad) as RowPacker['push'];
  const unpackFn = new Function(
    `return function unpack(p) {\n${unpackPre.join('\n')}\nconst n = p.n; const out = new Array(n);\nfor (let i = 0; i < n; i++) out[i] = { ${fields.join(', ')} };\nreturn out;\n};`,
  )() as RowPacker['unpack'];
  const rowFn = new Function(`return function row(p, i) {\n${unpackPre.join('\n')}\nreturn { ${fields.join(', ')} };\n};`)() as RowPacker['row'];
  const rowIntoFn = new Function(`return function rowInto(p, i, o) {\n${unpackPre.join('\n')}\n${assign.join('\n')}\n};`)() as RowPacker['rowInto'];

  const hasNulls = columns.map((c) => c.nullable && c.type !== 'string');
  const numbers = columns.filter((c) => c.type !== 'string').length;
  const masks = hasNulls.filter(Boolean).length;
  function grow(p: PackedRows, need = p.cap + 1): void {
    let cap = Math.max(1024, p.cap * 2);
    while (cap < need) cap *= 2;
    p.cols = p.cols.map((col) => {
      if (Array.isArray(col)) return col;
      const next = new Float64Array(cap);
      next.set(col.subarray(0, p.n));
      return next;
    });
    p.nulls = p.nulls.map((z, k) => {
      if (!hasNulls[k]) return z;
      const next = new Uint8Array(cap);
      next.set(z.subarray(0, p.n));
      return next;
    });
    p.cap = cap;
  }

  return {
    create(capacity = 0) {
      // One allocation for every number column and null mask (views into it): a new ArrayBuffer costs far more
      // than a view, and a gold block has 60 columns of each.
      const buf = new ArrayBuffer(capacity * (8 * numbers + masks));
      let at = 0;
      const view = <T>(make: (b: ArrayBuffer, offset: number, n: number) => T, bytes: number): T => {
        const v = make(buf, at, capacity);
        at += capacity * bytes;
        return v;
      };
      return {
        n: 0,
        cap: capacity,
        cols: columns.map((c) => (c.type === 'string' ? [] : view((b, o, n) => new Float64Array(b, o, n), 8))),
        nulls: columns.map((_, k) => (hasNulls[k] ? view((b, o, n) => new Uint8Array(b, o, n), 1) : NO_NULLS)),
      };
    },
    push: pushFn,
    unpack: unpackFn,
    row: rowFn,
    rowInto: rowIntoFn,
    append(into, from, start, n) {
      if (into.n + n > into.cap) grow(into, into.n + n);
      const at = into.n;
      for (let k = 0; k < columns.length; k++) {
        const src = from.cols[k]!;
        const dst = into.cols[k]!;
        if (Array.isArray(src) || Array.isArray(dst)) {
          const s = src as (string | null)[];
          const d = dst as (string | null)[];
          for (let i = 0; i < n; i++) d[at + i] = s[start + i] ?? null;
        } else {
          dst.set(src.subarray(start, start + n), at);
        }
        if (hasNulls[k]) into.nulls[k]!.set(from.nulls[k]!.subarray(start, start + n), at);
      }
      into.n = at + n;
    },
    fill(p, start, n, into) {
      columns.forEach((c, k) => {
        const g = into[k]!;
        const col = p.cols[k]!;
        let count = 0;
        if (Array.isArray(col)) {
          const strs = g.strs;
          for (let i = 0; i < n; i++) {
            const v = col[start + i];
            if (v === null || v === undefined) g.defs[i] = 0;
            else {
              strs[count++] = v;
              if (c.nullable) g.defs[i] = 1;
            }
          }
        } else if (hasNulls[k]) {
          const z = p.nulls[k]!;
          const nums = g.nums;
          for (let i = 0; i < n; i++) {
            if (z[start + i] === 1) g.defs[i] = 0;
            else {
              nums[count++] = col[start + i]!;
              g.defs[i] = 1;
            }
          }
        } else {
          g.nums.set(col.subarray(start, start + n));
          count = n;
        }
        g.values = count;
        let min = Number.POSITIVE_INFINITY;
        let max = Number.NEGATIVE_INFINITY;
        if (!Array.isArray(col)) {
          const nums = g.nums;
          for (let i = 0; i < count; i++) {
            const v = nums[i]!;
            if (v < min) min = v;
            if (v > max) max = v;
          }
        }
        g.min = min;
        g.max = max;
      });
    },
  };
}

function bad(column: string, value: unknown): never {
  throw new ScalplakeError('SINK_WRITE', `Column ${JSON.stringify(column)} cannot hold ${typeof value} ${JSON.stringify(value)}`, {
    context: { column, value },
  });
}
