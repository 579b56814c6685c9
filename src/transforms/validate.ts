/**
 * The schema gate: every row is checked against its table's zod schema; rows that fail (and rows the reader could
 * not parse at all) are routed to quarantine, a callback or an error, never dropped silently.
 * @module
 */
import type { z } from 'zod';
import { ScalplakeError, throwIfAborted } from '../core/errors.js';
import type { Batch, Operator, RejectedRow, StageContext } from '../core/stage.js';
import { operator } from '../core/stage.js';
import { TABLES, type TableName, type TableRows } from '../core/tables.js';
import { compileFastCheck } from './compile-fast-check.js';
import { selectRows, withoutRejects } from './select-rows.js';

/** What {@link validate} does with a rejected row. */
export type OnInvalid = 'throw' | 'quarantine' | ((row: RejectedRow) => void);

/** Options of {@link validate}. */
export interface ValidateOptions {
  /**
   * `'quarantine'` (the default): each rejected row is emitted as an `invalid` event, handed to
   * {@link ValidateOptions.quarantine} and counted in `ctx.counters.invalid`. `'throw'`: the first rejected row
   * ends the run with `SCHEMA_INVALID`. A function: called with each rejected row (which is also emitted as an
   * `invalid` event and counted).
   */
  readonly onInvalid?: OnInvalid;
  /** The table name used in messages and the stage name; defaults to the table the schema belongs to. */
  readonly table?: string;
  /**
   * Receives the rejected rows of each batch in `'quarantine'` mode (the pipeline wires it to the quarantine
   * writer); awaited before the batch's valid rows move on.
   */
  readonly quarantine?: (rows: RejectedRow[]) => Promise<void> | void;
}

/** The object schemas {@link validate} accepts: a zod object (refinements allowed), e.g. `Kline`. */
export type ObjectSchema = z.ZodObject;

/**
 * Checks every row of every batch against a table schema (zod `safeParse`, behind a precompiled pre-check that lets
 * certainly-valid rows skip zod). Valid rows pass through unchanged (the same objects, not zod's copies);
 * invalid rows and every `origin.rejects` entry of the input become {@link RejectedRow}s `{ source, line, raw,
 * reason }`: `source`/`line`/`raw` from the batch origin when present (else the stage name, `null` and the row as
 * JSON), `reason` from the zod issues as `path: message (received value)`. The output batches carry an origin
 * aligned with the kept rows and without `rejects` (they have been handled).
 *
 * State: none across batches.
 *
 * @param schema - A table schema (e.g. `Kline`) or a silver table name (e.g. `'klines'`).
 * @throws `SCHEMA_INVALID` in `'throw'` mode, naming `source:line` and the reason; `ABORTED` when `ctx.signal` aborts.
 * @example
 * ```ts
 * const quarantine = lake.quarantine('agg_trades');
 * pipeline('btc')
 *   .from(source)
 *   .pipe(validate(AggTrade, { onInvalid: 'quarantine', quarantine: (rows) => quarantine.append(toQuarantineRows('agg_trades', rows)) }))
 *   .to(lake.silver('agg_trades'));
 * ```
 */
export function validate<N extends TableName>(schema: N, options?: ValidateOptions): Operator<unknown, TableRows[N]>;
export function validate<S extends ObjectSchema>(schema: S, options?: ValidateOptions): Operator<unknown, z.output<S>>;
export function validate(schema: ObjectSchema | TableName, options: ValidateOptions = {}): Operator<unknown, unknown> {
  let zodSchema: z.ZodType;
  let tableName: string | undefined;
  if (typeof schema === 'string') {
    const def = TABLES[schema];
    if (def === undefined) {
      throw new ScalplakeError('INVALID_ARGUMENT', `validate: unknown table ${JSON.stringify(schema)}`, {
        context: { table: schema },
      });
    }
    zodSchema = def.schema;
    tableName = def.name;
  } else {
    zodSchema = schema;
    for (const def of Object.values(TABLES)) {
      if ((def.schema as unknown) === schema) {
        tableName = def.name;
        break;
      }
    }
  }
  const table = options.table ?? tableName ?? 'rows';
  const onInvalid = options.onInvalid ?? 'quarantine';
  const quarantine = options.quarantine;
  const name = `validate(${table}; on invalid ${typeof onInvalid === 'function' ? 'callback' : onInvalid})`;
  const fast = compileFastCheck(zodSchema);

  const handle = async (rejected: RejectedRow[], ctx: StageContext): Promise<void> => {
    if (onInvalid === 'throw') {
      const first = rejected[0] as RejectedRow;
      ctx.counters.invalid += 1;
      const at = first.line === null ? first.source : `${first.source}:${first.line}`;
      throw new ScalplakeError('SCHEMA_INVALID', `Invalid ${table} row at ${at}: ${first.reason}`, {
        context: { table, source: first.source, line: first.line, reason: first.reason, raw: first.raw },
      });
    }
    ctx.counters.invalid += rejected.length;
    for (const row of rejected) {
      if (typeof onInvalid === 'function') onInvalid(row);
      ctx.events.emit('invalid', row);
    }
    if (onInvalid === 'quarantine' && quarantine !== undefined) await quarantine(rejected);
  };

  return operator<unknown, unknown>(name, async function* (input, ctx) {
    for await (const batch of input) {
      throwIfAborted(ctx.signal);
      const origin = batch.origin;
      const n = batch.length;
      let kept: number[] | null = null;
      let rejected: RejectedRow[] | null = null;
      if (origin?.rejects !== undefined && origin.rejects.length > 0) rejected = origin.rejects.slice();
      for (let i = 0; i < n; i++) {
        const row = batch[i];
        if (fast?.(row)) {
          if (kept !== null) kept.push(i);
          continue;
        }
        const result = zodSchema.safeParse(row);
        if (result.success) {
          if (kept !== null) kept.push(i);
          continue;
        }
        if (kept === null) {
          kept = new Array<number>(i);
          for (let j = 0; j < i; j++) kept[j] = j;
        }
        rejected ??= [];
        rejected.push(rejectedRow(batch, i, result.error.issues, name));
      }
      if (rejected !== null) await handle(rejected, ctx);
      const out: Batch<unknown> = kept !== null ? selectRows(batch, kept, true) : withoutRejects(batch);
      if (out.length > 0) yield out;
    }
  });
}

/** Builds the rejected row for row `i` of `batch` from its zod issues. */
function rejectedRow(batch: Batch<unknown>, i: number, issues: readonly z.core.$ZodIssue[], stage: string): RejectedRow {
  const origin = batch.origin;
  const row = batch[i];
  const line = origin?.lines?.[i];
  return {
    source: origin?.source ?? stage,
    line: line === undefined ? null : line,
    raw: origin?.rawText !== undefined ? origin.rawText(i) : toJson(row),
    reason: describeIssues(row, issues),
  };
}

/**
 * Turns zod issues into one line: `open_time: Invalid input: expected number, received string (received "abc")`,
 * several issues joined with `; ` (at most 5, then `…`).
 */
function describeIssues(row: unknown, issues: readonly z.core.$ZodIssue[]): string {
  const parts: string[] = [];
  const max = Math.min(issues.length, 5);
  for (let k = 0; k < max; k++) {
    const issue = issues[k] as z.core.$ZodIssue;
    const path = issue.path.length === 0 ? '(row)' : issue.path.map(String).join('.');
    parts.push(`${path}: ${issue.message} (received ${formatValue(valueAt(row, issue.path))})`);
  }
  if (issues.length > max) parts.push(`… ${issues.length - max} more`);
  return parts.join('; ');
}

function valueAt(row: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = row;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function formatValue(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'bigint') return `${v}n`;
  const text = toJson(v);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function toJson(v: unknown): string {
  try {
    const text = JSON.stringify(v);
    return text === undefined ? String(v) : text;
  } catch {
    return String(v);
  }
}
