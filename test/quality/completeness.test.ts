import { describe, expect, it } from 'vitest';
import { isScalplakeError } from '../../src/core/errors.js';
import { formatGapsTable, klineCompleteness } from '../../src/quality/completeness.js';
import { findIdGaps, findTimeGaps } from '../../src/transforms/detect-gaps.js';
import { readKlinesCsv } from '../transforms/harness.js';

const KLINES = 'datavision/um_monthly_klines_BTCUSDT-1m-2019-09_lines34-93_gap_1900.csv';
const H = (h: number) => 1704067200000 + h * 3_600_000; // hours from 2024-01-01 00:00 UTC

describe('klineCompleteness', () => {
  it('finds the missing 19:00 minute in the 60 real bars from 18:30 to 19:30', () => {
    const times = readKlinesCsv(KLINES).map((k) => k.open_time);
    const report = klineCompleteness(times, 60_000);
    expect(report).toEqual({
      intervalMs: 60_000,
      from: 1567967400000,
      to: 1567971060000,
      expected: 61,
      present: 60,
      ratio: 60 / 61,
      days: [{ date: '2019-09-08', expected: 61, present: 60, ratio: 60 / 61, missing: [[1567969200000, 1567969200000]] }],
      missing: [[1567969200000, 1567969200000]],
    });
    expect(formatGapsTable(report)).toEqual(['2019-09-08 19:00 → 2019-09-08 19:00 (1 minute)']);
  });

  it('checks an explicit range given as UTC date strings', () => {
    const times = readKlinesCsv(KLINES).map((k) => k.open_time);
    const report = klineCompleteness(times, 60_000, { from: '2019-09-08 18:00', to: '2019-09-08 20:00' });
    expect(report.expected).toBe(120);
    expect(report.present).toBe(60);
    expect(formatGapsTable(report)).toEqual([
      '2019-09-08 18:00 → 2019-09-08 18:29 (30 minutes)',
      '2019-09-08 19:00 → 2019-09-08 19:00 (1 minute)',
      '2019-09-08 19:31 → 2019-09-08 19:59 (29 minutes)',
    ]);
  });

  it('reports per UTC day, splits runs at midnight per day but not overall, ignores duplicates and off-grid bars', () => {
    const times = [H(20), H(21), H(21), H(21.5), H(26), H(27)];
    const report = klineCompleteness(times, 3_600_000);
    expect(report.days).toEqual([
      { date: '2024-01-01', expected: 4, present: 2, ratio: 0.5, missing: [[H(22), H(23)]] },
      { date: '2024-01-02', expected: 4, present: 2, ratio: 0.5, missing: [[H(24), H(25)]] },
    ]);
    expect(report.missing).toEqual([[H(22), H(25)]]);
    expect(report.ratio).toBe(0.5);
    expect(formatGapsTable(report)).toEqual(['2024-01-01 22:00 → 2024-01-02 01:00 (4 hours)']);
  });

  it('handles empty input, with and without a range', () => {
    expect(klineCompleteness([], 60_000)).toMatchObject({ expected: 0, present: 0, ratio: 1, days: [], missing: [] });
    const r = klineCompleteness([], 3_600_000, { from: H(0), to: H(2) });
    expect(r.days).toEqual([{ date: '2024-01-01', expected: 2, present: 0, ratio: 0, missing: [[H(0), H(1)]] }]);
  });

  it('rejects unsorted input and bad arguments', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isScalplakeError(e) ? `${e.code}: ${e.message}` : 'other';
      }
      return 'none';
    };
    expect(code(() => klineCompleteness([H(1), H(0)], 3_600_000))).toBe(
      `INVALID_ARGUMENT: klineCompleteness: openTimes are not sorted: ${H(0)} follows ${H(1)} at index 1`,
    );
    expect(code(() => klineCompleteness([0], 0))).toMatch(/^INVALID_ARGUMENT/);
    expect(code(() => klineCompleteness([0], 60_000, { from: 'yesterday' }))).toMatch(/^INVALID_ARGUMENT/);
    expect(code(() => klineCompleteness([0], 60_000, { from: 120_000, to: 60_000 }))).toMatch(/^INVALID_ARGUMENT/);
  });
});

describe('formatGapsTable', () => {
  it('formats gap events from detectGaps/findTimeGaps and findIdGaps', () => {
    const gaps = findTimeGaps([0, 1000, 4000, 4000 + 90 * 60_000], 1000, 'S', 'klines');
    expect(formatGapsTable(gaps, 1000)).toEqual([
      '1970-01-01 00:00:02 → 1970-01-01 00:00:03 (2 seconds)',
      '1970-01-01 00:00:05 → 1970-01-01 01:30:03 (5399 seconds)',
    ]);
    expect(formatGapsTable(findTimeGaps([0, 90 * 60_000 * 2], 90 * 60_000, 'S', 'klines'), 90 * 60_000)).toEqual([
      '1970-01-01 01:30 → 1970-01-01 01:30 (90 minutes)',
    ]);
    expect(formatGapsTable(findIdGaps([10, 13, 15], 'S', 'agg_trades'), 1)).toEqual(['ids 11 → 12 (2 ids)', 'ids 14 → 14 (1 id)']);
    expect(() => formatGapsTable(gaps, 0)).toThrow(/intervalMs 0/);
  });
});
