/**
 * Forward-looking labels, computed by holding the last 15 minutes' feature values until the closes they need are known.
 * @module
 */
import type { FeatureValues } from './feature-set.js';

const H5 = 5;
const H15 = 15;
const SIZE = H15 + 1;
/** Label columns after a row's feature values, in {@link LABEL_COLUMNS} order. */
const L1 = 0;
const L5 = 1;
const L15 = 2;
const DIR = 3;

/**
 * Holds one row per minute (its feature values, then `label_fwd_return_1m/5m/15m` and `label_direction_5m`) in a
 * ring of at least 16 rows, fills each label (close(t+h)/close(t) − 1; the direction 1 above `thresholdBps`, −1 below
 * −`thresholdBps`, 0 between) once its later close is pushed, and releases each row once its 15-minute label is
 * known. Rows are pushed in minute order, one per minute with no hole; a label stays `NaN` (null) when either close
 * is missing. Released rows are read from {@link LabelBuffer.ring} at the offset returned: `width` feature values,
 * then the 4 labels; their minute is {@link LabelBuffer.openTime}. Values are copied in (or written in place at
 * {@link LabelBuffer.nextOffset} and committed): no row object per minute. A released row stays in the ring for
 * `rows − 16` more pushes, so a larger ring lets a caller read released rows later, in batches.
 *
 * @example
 * ```ts
 * const labels = new LabelBuffer(5, set.columns.length);
 * const at = labels.push(values, openTime, close); // −1 for the first 15 minutes
 * if (at >= 0) console.log(labels.openTime(at), labels.ring[at + set.columns.length]); // label_fwd_return_1m
 * for (const at of labels.flush()) {}               // end of data: the rest, with the labels known so far
 * ```
 */
export class LabelBuffer {
  /** The fewest rows a ring holds (the row of 15 minutes ago and the 15 after it), and the default. */
  static readonly ROWS = SIZE;
  /** Rows the ring holds. */
  readonly rows: number;
  /** The direction threshold in basis points. */
  readonly thresholdBps: number;
  /** Feature values per row. */
  readonly width: number;
  /** Values per row: `width` features + 4 labels. */
  readonly stride: number;
  /** The rows held, `stride` values each (row-major); read a released row at the offset {@link LabelBuffer.push} returned. */
  readonly ring: Float64Array;
  private readonly times: Float64Array;
  private readonly closes: Float64Array;
  private readonly threshold: number;
  private pos = 0;
  private count = 0;

  /**
   * @param thresholdBps - |5-minute return| in bps above which the direction is ±1.
   * @param width - feature values per row (default 0: labels only).
   * @param storage - where the ring lives: its first `rows × (width + 4)` values (default: an array of its own).
   * @param rows - rows the ring holds, at least {@link LabelBuffer.ROWS} (the default).
   * @throws RangeError when `rows` is not an integer ≥ 16 or `storage` is too small (programming errors).
   */
  constructor(thresholdBps: number, width = 0, storage?: Float64Array, rows = SIZE) {
    if (!Number.isInteger(rows) || rows < SIZE) throw new RangeError(`LabelBuffer rows ${rows}: at least ${SIZE} needed`);
    this.thresholdBps = thresholdBps;
    this.threshold = thresholdBps / 10_000;
    this.width = width;
    this.stride = width + 4;
    this.rows = rows;
    if (storage !== undefined && storage.length < rows * this.stride) {
      throw new RangeError(`LabelBuffer storage holds ${storage.length} values, ${rows * this.stride} needed`);
    }
    this.ring = storage === undefined ? new Float64Array(rows * this.stride) : storage.subarray(0, rows * this.stride);
    this.times = new Float64Array(rows);
    this.closes = new Float64Array(rows);
  }

  /** Rows held, waiting for their labels. */
  get pending(): number {
    return this.count;
  }

  /** The minute (UTC ms) of the row at ring offset `at`. */
  openTime(at: number): number {
    return this.times[at / this.stride]!;
  }

  /** The ring offset of the next row: write its `width` feature values there, then {@link LabelBuffer.commit}. */
  get nextOffset(): number {
    return this.pos * this.stride;
  }

  /**
   * Adds the next minute's feature values (`width` of them, copied) and close (`null` in a gap). Returns the ring
   * offset of the row of 15 minutes ago, now complete, or −1 while fewer are held.
   */
  push(values: FeatureValues, openTime: number, close: number | null): number {
    const w = this.width;
    if (w > 0) this.ring.set(values.length === w ? values : values.subarray(0, w), this.pos * this.stride);
    return this.commit(openTime, close);
  }

  /**
   * Adds the next minute, whose feature values are already in the ring at {@link LabelBuffer.nextOffset}, with its
   * close (`null` in a gap); returns what {@link LabelBuffer.push} returns.
   *
   * @example
   * ```ts
   * const labels = new LabelBuffer(5, set.columns.length, undefined, 16 + 512); // released rows kept 512 pushes
   * set.add(minute, labels.ring, labels.nextOffset);  // the features write straight into the ring
   * const at = labels.commit(minute.open_time, minute.kline?.close ?? null);
   * ```
   */
  commit(openTime: number, close: number | null): number {
    const c = close === null ? Number.NaN : close;
    const ring = this.ring;
    const stride = this.stride;
    const w = this.width;
    if (!Number.isNaN(c)) {
      let at = this.base(1);
      if (at >= 0) ring[at + w + L1] = c / this.closes[at / stride]! - 1;
      at = this.base(H5);
      if (at >= 0) {
        const v = c / this.closes[at / stride]! - 1;
        ring[at + w + L5] = v;
        ring[at + w + DIR] = v > this.threshold ? 1 : v < -this.threshold ? -1 : 0;
      }
      at = this.base(H15);
      if (at >= 0) ring[at + w + L15] = c / this.closes[at / stride]! - 1;
    }
    const off = this.pos * stride;
    // The 4 labels, unknown yet (4 stores: cheaper than a call to fill).
    ring[off + w + L1] = Number.NaN;
    ring[off + w + L5] = Number.NaN;
    ring[off + w + L15] = Number.NaN;
    ring[off + w + DIR] = Number.NaN;
    this.times[this.pos] = openTime;
    this.closes[this.pos] = c;
    this.pos = this.pos + 1 === this.rows ? 0 : this.pos + 1;
    this.count++;
    // The row 15 minutes back now has all its labels: release it.
    if (this.count === SIZE) {
      this.count--;
      let i = this.pos - SIZE;
      if (i < 0) i += this.rows;
      return i * stride;
    }
    return -1;
  }

  /** Offset of the row `h` minutes back when both it and its close are usable as a label base, else −1. */
  private base(h: number): number {
    if (this.count < h) return -1;
    let i = this.pos - h;
    if (i < 0) i += this.rows;
    const b = this.closes[i]!;
    return Number.isNaN(b) || b === 0 ? -1 : i * this.stride;
  }

  /** Releases every held row in order (end of data: labels that need later closes stay `NaN`): their ring offsets. */
  flush(): number[] {
    const out: number[] = [];
    let i = this.pos - this.count;
    if (i < 0) i += this.rows;
    for (let k = 0; k < this.count; k++) {
      out.push(i * this.stride);
      i = i + 1 === this.rows ? 0 : i + 1;
    }
    this.count = 0;
    return out;
  }
}
