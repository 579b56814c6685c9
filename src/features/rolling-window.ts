/**
 * A fixed-size ring buffer of numbers with running sums, supporting `replaceLast` for the forming bar.
 * @module
 */

/**
 * A ring buffer of the last `size` values with running sum and sum of squares, O(1) per update.
 *
 * Values are stored relative to a reference (the first value after a reset), which keeps the sum of squares
 * precise for prices far from zero; the sums are recomputed exactly from the buffer every `size` pushes so that
 * rounding never drifts. `replaceLast(v)` restores the state before the last push and pushes `v` again, giving
 * bit-identical sums to pushing `v` in the first place.
 *
 * @example
 * ```ts
 * const w = new RollingWindow(3);
 * w.push(1); w.push(2); w.push(3); w.push(4);
 * w.mean(); // 3
 * w.replaceLast(7);
 * w.mean(); // 4
 * ```
 */
export class RollingWindow {
  /** Window length. */
  readonly size: number;
  private readonly buf: Float64Array;
  private head = 0; // next write position
  private n = 0;
  private ref = 0;
  private sum = 0;
  private sumSq = 0;
  private pushes = 0;
  // state before the last push, for replaceLast
  private pSum = 0;
  private pSumSq = 0;
  private pN = 0;
  private pEvicted = 0;
  private hasLast = false;

  /**
   * @param size - window length (≥ 1).
   * @throws RangeError when `size` is not a positive integer (a programming error).
   */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`RollingWindow size ${size} is not a positive integer`);
    this.size = size;
    this.buf = new Float64Array(size);
  }

  /** Values currently held (≤ size). */
  get count(): number {
    return this.n;
  }

  /** True when the window holds `size` values. */
  get full(): boolean {
    return this.n === this.size;
  }

  /** Appends a value, evicting the oldest when full. */
  push(value: number): void {
    if (this.n === 0 && !this.hasLast) this.ref = value;
    this.pSum = this.sum;
    this.pSumSq = this.sumSq;
    this.pN = this.n;
    this.pEvicted = this.buf[this.head]!;
    this.hasLast = true;
    this.pushes++;
    this.apply(value);
    this.head = this.head + 1 === this.size ? 0 : this.head + 1;
  }

  /** Overwrites the most recent value; on an empty window acts as {@link RollingWindow.push}. */
  replaceLast(value: number): void {
    if (!this.hasLast) {
      this.push(value);
      return;
    }
    const slot = this.head === 0 ? this.size - 1 : this.head - 1;
    this.sum = this.pSum;
    this.sumSq = this.pSumSq;
    this.n = this.pN;
    if (this.pN === 0) this.ref = value;
    this.buf[slot] = this.pEvicted;
    this.head = slot;
    this.apply(value);
    this.head = this.head + 1 === this.size ? 0 : this.head + 1;
  }

  private apply(value: number): void {
    const x = value - this.ref;
    if (this.n === this.size) {
      const old = this.buf[this.head]!;
      this.sum -= old;
      this.sumSq -= old * old;
    } else {
      this.n++;
    }
    this.buf[this.head] = x;
    this.sum += x;
    this.sumSq += x * x;
    if (this.pushes % this.size === 0) this.recompute();
  }

  private recompute(): void {
    let s = 0;
    let q = 0;
    for (let i = 0; i < this.n; i++) {
      const v = this.buf[i]!;
      s += v;
      q += v * v;
    }
    this.sum = s;
    this.sumSq = q;
  }

  /** The value `ago` pushes back (0 = the latest); `NaN` when not held. */
  get(ago: number): number {
    if (ago < 0 || ago >= this.n) return Number.NaN;
    let i = this.head - 1 - ago;
    if (i < 0) i += this.size;
    return this.buf[i]! + this.ref;
  }

  /** Sum of the values held. */
  total(): number {
    return this.sum + this.n * this.ref;
  }

  /** Mean of the values held (`NaN` when empty). */
  mean(): number {
    return this.sum / this.n + this.ref;
  }

  /** Population variance of the values held (÷ n, clamped at 0; `NaN` when empty). */
  variance(): number {
    const m = this.sum / this.n;
    const v = this.sumSq / this.n - m * m;
    return Math.max(v , 0);
  }

  /** Smallest value held (`NaN` when empty); O(size). */
  min(): number {
    if (this.n === 0) return Number.NaN;
    let m = Number.POSITIVE_INFINITY;
    for (let k = 0; k < this.n; k++) {
      const v = this.buf[k]!;
      if (v < m) m = v;
    }
    return m + this.ref;
  }

  /** Largest value held (`NaN` when empty); O(size). */
  max(): number {
    if (this.n === 0) return Number.NaN;
    let m = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < this.n; k++) {
      const v = this.buf[k]!;
      if (v > m) m = v;
    }
    return m + this.ref;
  }

  /** Mean absolute deviation from `center` over the values held; O(size). */
  meanAbsDev(center: number): number {
    const c = center - this.ref;
    let s = 0;
    for (let k = 0; k < this.n; k++) s += Math.abs(this.buf[k]! - c);
    return s / this.n;
  }

  /** Empties the window. */
  clear(): void {
    this.head = 0;
    this.n = 0;
    this.sum = 0;
    this.sumSq = 0;
    this.pushes = 0;
    this.hasLast = false;
    this.buf.fill(0);
  }
}
