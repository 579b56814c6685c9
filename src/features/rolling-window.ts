/**
 * A fixed-size ring buffer of numbers, supporting `replaceLast` for the forming bar.
 * @module
 */

/**
 * A ring buffer of the last `size` values. Sums, means and variances are computed from the values held, oldest
 * first, when asked (O(size), size ≤ a few hundred), never carried as running sums: a running sum's rounding depends
 * on everything pushed since the start, so two windows holding the same values could disagree in the last bits. This
 * way a feature's value depends only on the window's content, which is what makes a live run, an incremental build
 * and a full rebuild give bit-identical gold rows. Pushes are O(1).
 *
 * Every sum is taken in four interleaved partial sums (the k-th value oldest first goes to sum k mod 4, combined as
 * (s0 + s1) + (s2 + s3)): still a fixed order given the window's content, with four independent chains of additions
 * instead of one, about 3× faster (a chain is bound by the latency of each addition).
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
  // The ring twice over (value i also at i + size), so that the values held are always one contiguous run.
  private readonly buf: Float64Array;
  private head = 0; // next write position
  private n = 0;
  // state before the last push, for replaceLast
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
    this.buf = new Float64Array(2 * size);
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
    this.pN = this.n;
    this.pEvicted = this.buf[this.head]!;
    this.hasLast = true;
    this.buf[this.head] = value;
    this.buf[this.head + this.size] = value;
    if (this.n < this.size) this.n++;
    this.head = this.head + 1 === this.size ? 0 : this.head + 1;
  }

  /** Overwrites the most recent value; on an empty window acts as {@link RollingWindow.push}. */
  replaceLast(value: number): void {
    if (!this.hasLast) {
      this.push(value);
      return;
    }
    const slot = this.head === 0 ? this.size - 1 : this.head - 1;
    this.buf[slot] = this.pEvicted;
    this.buf[slot + this.size] = this.pEvicted;
    this.n = this.pN;
    this.head = slot;
    this.push(value);
  }

  /** Index in `buf` of the oldest value held. */
  private start(): number {
    const s = this.head - this.n;
    return s < 0 ? s + this.size : s;
  }

  /** The value `ago` pushes back (0 = the latest); `NaN` when not held. */
  get(ago: number): number {
    if (ago < 0 || ago >= this.n) return Number.NaN;
    let i = this.head - 1 - ago;
    if (i < 0) i += this.size;
    return this.buf[i]!;
  }

  /** Sum of the values held, oldest first (in four partial sums, see {@link RollingWindow}). */
  total(): number {
    const b = this.buf;
    let k = this.start();
    const end = k + this.n;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (; k + 3 < end; k += 4) {
      s0 += b[k]!;
      s1 += b[k + 1]!;
      s2 += b[k + 2]!;
      s3 += b[k + 3]!;
    }
    if (k < end) s0 += b[k++]!;
    if (k < end) s1 += b[k++]!;
    if (k < end) s2 += b[k]!;
    return s0 + s1 + (s2 + s3);
  }

  /** Mean of the values held (`NaN` when empty). */
  mean(): number {
    return this.total() / this.n;
  }

  /** Population variance of the values held (÷ n, two-pass; `NaN` when empty). */
  variance(): number {
    return this.varianceAbout(this.mean());
  }

  /**
   * Population variance around `m`, which must be {@link RollingWindow.mean} (passed in when the caller already has
   * it): the second pass of {@link RollingWindow.variance}, bit-identical to it.
   */
  varianceAbout(m: number): number {
    // total()'s loop over (x − m)², written out: a shared loop taking the term as a callback would see three
    // callbacks and stop inlining them on this hot path.
    const b = this.buf;
    let k = this.start();
    const end = k + this.n;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (; k + 3 < end; k += 4) {
      const d0 = b[k]! - m;
      const d1 = b[k + 1]! - m;
      const d2 = b[k + 2]! - m;
      const d3 = b[k + 3]! - m;
      s0 += d0 * d0;
      s1 += d1 * d1;
      s2 += d2 * d2;
      s3 += d3 * d3;
    }
    if (k < end) {
      const d = b[k++]! - m;
      s0 += d * d;
    }
    if (k < end) {
      const d = b[k++]! - m;
      s1 += d * d;
    }
    if (k < end) {
      const d = b[k]! - m;
      s2 += d * d;
    }
    return (s0 + s1 + (s2 + s3)) / this.n;
  }

  /** Smallest value held, as `Math.min` (`NaN` when empty or when a value is NaN); O(size). */
  min(): number {
    if (this.n === 0) return Number.NaN;
    // Math.min rather than a comparison: no branch to mispredict on values in no particular order.
    const b = this.buf;
    let m = Number.POSITIVE_INFINITY;
    for (let k = 0; k < this.n; k++) m = Math.min(m, b[k]!);
    return m;
  }

  /** Largest value held, as `Math.max` (`NaN` when empty or when a value is NaN); O(size). */
  max(): number {
    if (this.n === 0) return Number.NaN;
    const b = this.buf;
    let m = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < this.n; k++) m = Math.max(m, b[k]!);
    return m;
  }

  /** Mean absolute deviation from `center` over the values held, oldest first (four partial sums); O(size). */
  meanAbsDev(center: number): number {
    const b = this.buf;
    let k = this.start();
    const end = k + this.n;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (; k + 3 < end; k += 4) {
      s0 += Math.abs(b[k]! - center);
      s1 += Math.abs(b[k + 1]! - center);
      s2 += Math.abs(b[k + 2]! - center);
      s3 += Math.abs(b[k + 3]! - center);
    }
    if (k < end) s0 += Math.abs(b[k++]! - center);
    if (k < end) s1 += Math.abs(b[k++]! - center);
    if (k < end) s2 += Math.abs(b[k]! - center);
    return (s0 + s1 + (s2 + s3)) / this.n;
  }

  /** Empties the window. */
  clear(): void {
    this.head = 0;
    this.n = 0;
    this.hasLast = false;
    this.buf.fill(0);
  }
}
