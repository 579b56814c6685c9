import { TABLE_NAMES, type TableName } from '../../core/tables.js';
import { ScalplakeError } from '../../core/errors.js';
import { formatUtc, requireUtcMillis } from '../../core/time.js';
import { importFiles } from '../../lake/import-files.js';
import { openLake } from '../../lake/lake.js';
import type { CsvFormat } from '../../sources/files/detect-format.js';
import type { Command } from '../main.js';
import type { CliOutput } from '../output.js';
import type { ImportSummary } from '../../lake/import-files.js';

const FORMATS = ['auto', 'datavision', 'cdd', 'kaggle'] as const;

/** Reads a required string flag or throws `INVALID_ARGUMENT` naming it. */
export function requireFlag(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') {
    throw new ScalplakeError('INVALID_ARGUMENT', `--${name} is required`, { context: { flag: name } });
  }
  return v;
}

/** Reads an optional string flag. */
export function optionalFlag(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Reads a required comma-separated list flag (`--data klines,aggTrades`) or throws `INVALID_ARGUMENT` naming it. */
export function requireList(values: Record<string, unknown>, name: string): string[] {
  const raw = requireFlag(values, name);
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) {
    throw new ScalplakeError('INVALID_ARGUMENT', `--${name} ${JSON.stringify(raw)} names no data type`, { context: { flag: name } });
  }
  return list;
}

/** Reads an optional time flag (`--from`, `--to`), checked here so that a bad one fails naming the flag. */
export function optionalTime(values: Record<string, unknown>, name: string): string | undefined {
  const v = optionalFlag(values, name);
  if (v !== undefined) requireUtcMillis(v, `--${name}`);
  return v;
}

/** Reads a required time flag (see {@link optionalTime}). */
export function requireTime(values: Record<string, unknown>, name: string): string {
  const v = requireFlag(values, name);
  requireUtcMillis(v, `--${name}`);
  return v;
}

/** Checks a `--table` value. */
export function parseTable(value: string | undefined): TableName | undefined {
  if (value === undefined) return undefined;
  if (!(TABLE_NAMES as readonly string[]).includes(value)) {
    throw new ScalplakeError('INVALID_ARGUMENT', `--table ${JSON.stringify(value)} is not one of ${TABLE_NAMES.join(', ')}`, {
      context: { table: value },
    });
  }
  return value as TableName;
}

/** Prints an import summary for humans. */
export function printSummary(out: CliOutput, summary: ImportSummary): void {
  for (const f of summary.files) {
    const d = f.detection;
    const what = d ? `${d.format}${d.hasHeader ? ' with header' : ', no header'}, ${d.columnCount} columns, times in ${d.timeUnit}` : 'skipped';
    out.line(`${f.input}`);
    out.line(`  ${f.skipped ? 'already imported (same sha256): skipped' : `${what} → ${f.table} ${f.symbol ?? ''}${d?.interval ? ` ${d.interval}` : ''}`}`);
    out.line(`  checksum ${f.checksum}, sha256 ${f.sha256.slice(0, 16)}…, bronze ${f.bronzeKey}`);
    if (!f.skipped) {
      out.line(
        `  rows read ${f.rowsRead}, written ${f.rowsWritten}, unchanged ${f.unchanged}, duplicates ${f.duplicates}, quarantined ${f.quarantined}, gaps ${f.gaps.length}`,
      );
      for (const g of f.gaps.slice(0, 10)) {
        out.line(
          g.kind === 'time'
            ? `    missing ${formatUtc(g.from)} → ${formatUtc(g.to)} (${g.missing} interval${g.missing === 1 ? '' : 's'})`
            : `    missing ids ${g.from} → ${g.to} (${g.missing})`,
        );
      }
      if (f.gaps.length > 10) out.line(`    … ${f.gaps.length - 10} more gaps (scalplake gaps for all)`);
    }
  }
  const t = summary.totals;
  out.line(
    `total: ${summary.files.length} file(s), rows read ${t.rowsRead}, written ${t.rowsWritten}, unchanged ${t.unchanged}, duplicates ${t.duplicates}, quarantined ${t.quarantined}, gaps ${t.gaps} (${t.missing} missing)`,
  );
}

/** `scalplake import`. */
export const importCommand: Command = {
  summary: 'import local CSV/zip files or zip URLs into bronze and silver',
  usage: `Usage: scalplake import --lake DIR [--symbol S] [--format auto|datavision|cdd|kaggle] [--table T] [--interval 1m] [--force] [--json] FILE_OR_URL...

Imports each file into the lake: the original into bronze (a zip is verified against the .CHECKSUM beside it or at
URL.CHECKSUM first), rows into silver (validated, deduplicated, upserted by key), bad rows into quarantine.
Re-importing the same bytes is skipped (--force imports them again; an upsert, so nothing is duplicated); importing
overlapping data never duplicates rows.`,
  options: {
    lake: { type: 'string' },
    symbol: { type: 'string' },
    format: { type: 'string' },
    table: { type: 'string' },
    interval: { type: 'string' },
    force: { type: 'boolean' },
  },
  async run({ values, positionals, out, signal }) {
    const lake = openLake(requireFlag(values, 'lake'));
    if (positionals.length === 0) throw new ScalplakeError('INVALID_ARGUMENT', 'import needs at least one FILE_OR_URL');
    const format = optionalFlag(values, 'format') ?? 'auto';
    if (!(FORMATS as readonly string[]).includes(format)) {
      throw new ScalplakeError('INVALID_ARGUMENT', `--format ${JSON.stringify(format)} is not one of ${FORMATS.join(', ')}`);
    }
    const summary = await importFiles(lake, positionals, {
      symbol: optionalFlag(values, 'symbol'),
      format: format as 'auto' | CsvFormat,
      table: parseTable(optionalFlag(values, 'table')),
      interval: optionalFlag(values, 'interval'),
      resume: values.force !== true,
      signal,
      onProgress: (p) => out.progress(p),
    });
    out.endProgress();
    printSummary(out, summary);
    out.result({ ok: true, ...summary });
    return 0;
  },
};
