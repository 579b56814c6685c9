/**
 * Forward-looking labels, computed by holding the last 15 gold rows until the closes they need are known.
 * @module
 */
import type { FeatureRow } from './feature-set.js';

const H5 = 5;
const H15 = 15;
const SIZE = H15 + 1;

/**
 * Fills `label_fwd_return_1m/5m/15m` (close(t+h)/close(t) − 1) and `label_direction_5m` (1 above `thresholdBps`,
 * −1 below −`thresholdBps`, 0 between) of rows pushed in minute order, one per minute with no hole, and releases
 * each row once its 15-minute label is known (bounded: 16 rows). A label is `null` when either close is missing.
 *
 * @example
 * ```ts
 * const labels = new LabelBuffer(5);
 * const out: FeatureRow[] = [];
 * labels.push(row, row.close as number | null, out); // out receives rows 15 minutes old
 * labels.flush(out);                                  // end of data: the rest, with the labels known so far
 * ```
 */
export class LabelBuffer {
  /** The direction threshold in basis points. */
  readonly thresholdBps: number;
  private readonly rows: (FeatureRow | null)[] = new Array(SIZE).fill(null);
  private readonly closes = new Float64Array(SIZE);
  private pos = 0;
  private count = 0;

  /** @param thresholdBps - |5-minute return| in bps above which the direction is ±1. */
  constructor(thresholdBps: number) {
    this.thresholdBps = thresholdBps;
  }

  /** Rows held, waiting for their labels. */
  get pending(): number {
    return this.count;
  }

  /** Adds the row of the next minute with its close (`null` in a gap); releases the row of 15 minutes ago. */
  push(row: FeatureRow, close: number | null, out: FeatureRow[]): void {
    const c = close === null ? Number.NaN : close;
    if (!Number.isNaN(c)) {
      // Named stores (one monomorphic store per label) rather than row[name] with a variable key.
      let r = this.ret(1, c);
      if (r !== null) r.row.label_fwd_return_1m = r.value;
      r = this.ret(H5, c);
      if (r !== null) {
        const v = r.value;
        r.row.label_fwd_return_5m = v;
        const t = this.thresholdBps / 10_000;
        r.row.label_direction_5m = v > t ? 1 : v < -t ? -1 : 0;
      }
      r = this.ret(H15, c);
      if (r !== null) r.row.label_fwd_return_15m = r.value;
    }
    this.count++;
    this.rows[this.pos] = row;
    this.closes[this.pos] = c;
    this.pos = this.pos + 1 === SIZE ? 0 : this.pos + 1;
    // The row 15 minutes back now has all its labels: release it.
    if (this.count === SIZE) {
      out.push(this.rows[this.pos]!);
      this.rows[this.pos] = null;
      this.count--;
    }
  }

  private readonly hit: { row: FeatureRow; value: number } = { row: {}, value: 0 };

  /** The row `h` minutes back and its forward return to close `c`; `null` when either close is missing. */
  private ret(h: number, c: number): { row: FeatureRow; value: number } | null {
    if (this.count < h) return null;
    let i = this.pos - h;
    if (i < 0) i += SIZE;
    const base = this.closes[i]!;
    const row = this.rows[i];
    if (row === null || row === undefined || Number.isNaN(base) || base === 0) return null;
    const hit = this.hit;
    hit.row = row;
    hit.value = c / base - 1;
    return hit;
  }

  /** Releases every held row in order (end of data: labels that need later closes stay `null`). */
  flush(out: FeatureRow[]): void {
    let i = this.pos - this.count;
    if (i < 0) i += SIZE;
    for (let k = 0; k < this.count; k++) {
      out.push(this.rows[i]!);
      this.rows[i] = null;
      i = i + 1 === SIZE ? 0 : i + 1;
    }
    this.count = 0;
  }
}
