/**
 * Feature sets: an ordered composition of gold features that fills the columns of one gold row per minute.
 * @module
 */
import { ScalplakeError } from '../core/errors.js';
import type { Feature, FeatureInputKind, GoldColumn, GoldFeature, MinuteInput } from './feature.js';

/** A gold row: column name → value (`null` when undefined or warming up); `symbol` is a string. */
export type FeatureRow = Record<string, number | string | null>;

/** The values of a set's columns for one minute, index-aligned with {@link FeatureSet.columns}; `NaN` means `null`. */
export type FeatureValues = Float64Array;

/** One feature of a set, with the columns it fills. */
export interface FeatureSetEntry {
  /** The key it was given in {@link featureSet}. */
  readonly key: string;
  /** The feature. */
  readonly feature: GoldFeature;
  /** The input part it needs. */
  readonly requires: FeatureInputKind;
  /** The columns it fills, in order. */
  readonly columns: readonly GoldColumn[];
}

/**
 * An ordered set of gold features for one symbol: `add`/`replace` step every feature with a minute and write its
 * column values into an array aligned with `columns`. A feature whose input part is `null` for the minute is reset
 * and writes `null`s.
 *
 * @example
 * ```ts
 * const set = featureSet({ price: klineFeatures.ohlcv(), rsi_14: klineFeatures.rsi(14) });
 * const values: FeatureValues = new Float64Array(set.columns.length);
 * set.add(minute, values);
 * set.toRecord(values); // { open: …, high: …, low: …, close: …, volume: …, rsi_14: … }
 * ```
 */
export interface FeatureSet {
  /** Every column the set fills, in order. */
  readonly columns: readonly GoldColumn[];
  /** The features with their keys and columns. */
  readonly entries: readonly FeatureSetEntry[];
  /**
   * The longest look-back (or warm-up) of the set's features, in minutes: re-read this much before an incremental
   * build for rows bit-identical to a full rebuild's.
   */
  readonly warmUpMinutes: number;
  /**
   * Steps every feature with a new minute and writes the column values into `out` (index-aligned with `columns`),
   * from `out[at]` on (default 0: a row of a larger array, such as a ring of rows, is written in place).
   */
  add(input: MinuteInput, out: FeatureValues, at?: number): void;
  /** Re-steps every feature with a new version of the latest minute (the forming bar); `out` and `at` as in `add`. */
  replace(input: MinuteInput, out: FeatureValues, at?: number): void;
  /** Turns column values into a record keyed by column name (`NaN` and ±Infinity become `null`). */
  toRecord(values: FeatureValues): Record<string, number | null>;
  /** Resets every feature (a reconnect). */
  reset(): void;
  /** Resets the features that need `kind` (a gap in that source). */
  resetKind(kind: FeatureInputKind): void;
}

/** The specification of {@link featureSet}: key → feature; a one-column feature fills the column named by its key. */
export type FeatureSetSpec = Readonly<Record<string, GoldFeature | Feature<MinuteInput, number>>>;

const KIND_CODE: Readonly<Record<FeatureInputKind, number>> = { kline: 0, trades: 1, book: 2, perp: 3 };
const PART = ['kline', 'trades', 'book', 'perp'] as const;

type ApplyFn = (input: MinuteInput, out: FeatureValues, at: number, replace: boolean) => void;

/**
 * Generates the set's step as straight-line code: one call site per feature (each monomorphic, so V8 can inline the
 * feature's add/replace), the column offsets as constants. Same semantics as {@link FeatureSetImpl.loop}; `null` when
 * code generation is unavailable (e.g. a CSP forbidding `new Function`).
 */
function generateApply(
  fs: readonly GoldFeature[],
  req: Uint8Array,
  start: Int32Array,
  width: Int32Array,
  isReset: Uint8Array,
): ApplyFn | null {
  const lines: string[] = [];
  for (let i = 0; i < fs.length; i++) lines.push(`const f${i} = fs[${i}];`);
  lines.push('return function apply(input, out, at, replace) {', 'let r, v;');
  for (const k of [0, 1, 2, 3]) lines.push(`const p${k} = input.${PART[k]};`);
  for (let i = 0; i < fs.length; i++) {
    const s = start[i]!;
    const w = width[i]!;
    const nulls = (from: number) => Array.from({ length: w - from }, (_, c) => `out[at + ${s + from + c}] = NaN;`).join(' ');
    const cols = Array.from({ length: w }, (_, c) => `v = r[${c}]; out[at + ${s + c}] = typeof v === 'number' ? v : NaN;`).join(' ');
    lines.push(
      `if (p${req[i]} === null) { if (isReset[${i}] === 0) { f${i}.reset(); isReset[${i}] = 1; } ${nulls(0)} }`,
      `else { isReset[${i}] = 0; r = replace ? f${i}.replace(input) : f${i}.add(input);`,
      `  if (r === null) { ${nulls(0)} } else if (typeof r === 'number') { out[at + ${s}] = r; ${nulls(1)} } else { ${cols} } }`,
    );
  }
  lines.push('};');
  try {
    return new Function('fs', 'isReset', lines.join('\n'))(fs, isReset) as ApplyFn;
  } catch {
    return null;
  }
}

class FeatureSetImpl implements FeatureSet {
  readonly columns: readonly GoldColumn[];
  readonly entries: readonly FeatureSetEntry[];
  readonly warmUpMinutes: number;
  private readonly fs: GoldFeature[];
  private readonly req: Uint8Array;
  private readonly start: Int32Array;
  private readonly width: Int32Array;
  private readonly names: string[];
  private readonly isReset: Uint8Array;

  constructor(spec: FeatureSetSpec) {
    const entries: FeatureSetEntry[] = [];
    const columns: GoldColumn[] = [];
    const seen = new Set<string>();
    let warm = 0;
    for (const [key, f] of Object.entries(spec)) {
      const g = f as GoldFeature;
      const cols = g.columns ?? [{ name: key, type: 'double', description: `Feature ${key}` }];
      for (const c of cols) {
        if (seen.has(c.name)) {
          throw new ScalplakeError('INVALID_ARGUMENT', `Feature set: column "${c.name}" (feature "${key}") is filled twice`, {
            context: { key, column: c.name },
          });
        }
        seen.add(c.name);
        columns.push(c);
      }
      const requires = g.requires ?? 'kline';
      if (!(requires in KIND_CODE)) {
        throw new ScalplakeError('INVALID_ARGUMENT', `Feature set: feature "${key}" requires unknown input "${requires}"`, {
          context: { key, requires },
        });
      }
      entries.push({ key, feature: g, requires, columns: cols });
      warm = Math.max(warm, g.lookback ?? g.warmUp ?? 0);
    }
    this.entries = entries;
    this.columns = columns;
    this.warmUpMinutes = warm;
    const n = entries.length;
    this.fs = entries.map((e) => e.feature);
    this.req = Uint8Array.from(entries, (e) => KIND_CODE[e.requires]);
    this.width = Int32Array.from(entries, (e) => e.columns.length);
    this.start = new Int32Array(n);
    for (let i = 1; i < n; i++) this.start[i] = this.start[i - 1]! + this.width[i - 1]!;
    this.names = columns.map((c) => c.name);
    this.isReset = new Uint8Array(n).fill(1);
    this.apply = generateApply(this.fs, this.req, this.start, this.width, this.isReset) ?? ((i, o, a, r) => this.loop(i, o, a, r));
  }

  add(input: MinuteInput, out: FeatureValues, at = 0): void {
    this.apply(input, out, at, false);
  }

  replace(input: MinuteInput, out: FeatureValues, at = 0): void {
    this.apply(input, out, at, true);
  }

  toRecord(values: FeatureValues): Record<string, number | null> {
    const r: Record<string, number | null> = {};
    for (let i = 0; i < this.names.length; i++) {
      const v = values[i]!;
      r[this.names[i]!] = v - v === 0 ? v : null;
    }
    return r;
  }

  /** Steps every feature: the generated unrolled version when available, else {@link FeatureSetImpl.loop}. */
  private readonly apply: ApplyFn;

  /** The generic loop (one megamorphic call site for all features): the fallback of the generated `apply`. */
  private loop(input: MinuteInput, out: FeatureValues, at: number, replace: boolean): void {
    const fs = this.fs;
    for (let i = 0; i < fs.length; i++) {
      const need = this.req[i];
      const part = need === 0 ? input.kline : need === 1 ? input.trades : need === 2 ? input.book : input.perp;
      const s = at + this.start[i]!;
      const w = this.width[i]!;
      if (part === null) {
        if (this.isReset[i] === 0) {
          fs[i]!.reset();
          this.isReset[i] = 1;
        }
        for (let c = 0; c < w; c++) out[s + c] = Number.NaN;
        continue;
      }
      this.isReset[i] = 0;
      const f = fs[i]!;
      const r = replace ? f.replace(input) : f.add(input);
      if (r === null || typeof r === 'number') {
        // A number fills the feature's first (only) column.
        out[s] = r === null ? Number.NaN : r;
        for (let c = 1; c < w; c++) out[s + c] = Number.NaN;
      } else {
        for (let c = 0; c < w; c++) {
          const v = r[c];
          out[s + c] = typeof v === 'number' ? v : Number.NaN;
        }
      }
    }
  }

  reset(): void {
    for (let i = 0; i < this.fs.length; i++) {
      this.fs[i]!.reset();
      this.isReset[i] = 1;
    }
  }

  resetKind(kind: FeatureInputKind): void {
    const code = KIND_CODE[kind];
    for (let i = 0; i < this.fs.length; i++) {
      if (this.req[i] === code) {
        this.fs[i]!.reset();
        this.isReset[i] = 1;
      }
    }
  }
}

/**
 * Whether `set` writes its values from `out[at]` on, as the sets made by {@link featureSet} do. A `FeatureSet`
 * implemented elsewhere may predate the `at` parameter and write from `out[0]`: the gold engine gives those a row of
 * their own and copies it.
 */
export function writesAt(set: FeatureSet): boolean {
  return set instanceof FeatureSetImpl;
}

/**
 * Composes features into a {@link FeatureSet}. Keys name one-column features' columns; features with
 * `columns` fill those. Users mix the built-in factories with their own {@link GoldFeature}s. Non-finite results
 * (NaN, ±Infinity) are written as `null`.
 *
 * @throws `INVALID_ARGUMENT` when two features fill the same column or a feature requires an unknown input.
 * @example
 * ```ts
 * const set = featureSet({
 *   price: klineFeatures.ohlcv(),
 *   rsi_7: klineFeatures.rsi(7),
 *   range: myRangeFeature(),   // a user-written Feature<MinuteInput, number>
 * });
 * ```
 */
export function featureSet(spec: FeatureSetSpec): FeatureSet {
  return new FeatureSetImpl(spec);
}
