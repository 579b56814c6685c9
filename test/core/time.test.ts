import { describe, expect, it } from 'vitest';
import { detectTimeUnit, formatUtc, intervalMs, parseUtcDate, requireUtcMillis, toUtcMillis, utcDate, utcDayStart, utcMinuteStart } from '../../src/core/time.js';

describe('toUtcMillis', () => {
  it('runs under a non-UTC time zone (the premise of these tests)', () => {
    expect(process.env.TZ).toBe('America/New_York');
    expect(new Date(Date.UTC(2024, 0, 1)).getHours()).not.toBe(0);
  });

  it.each([
    ['', null],
    ['   ', null],
    ['abc', null],
    ['0', 0],
    ['1503014400', 1503014400000],
    ['1503014400.0', 1503014400000],
    ['1567965420000', 1567965420000],
    ['1789430400000000', 1789430400000],
    ['1789430459999999', 1789430459999],
    ['2024-01-01 00:00:00', 1704067200000],
    ['2024-01-01', 1704067200000],
    ['2024-01-01T00:00:00Z', 1704067200000],
    ['2024-02-29 23:59:00', 1709251140000],
    ['2023-02-29 00:00:00', null],
    ['2017-08-17 05-AM', 1502946000000],
    ['2017-08-17 12-AM', 1502928000000],
    ['2017-08-17 12-PM', 1502971200000],
    ['2017-08-17 05-PM', 1502989200000],
    ['2019-09-08 19:00:00.123', 1567969200123],
  ] as const)('%j → %j', (input, expected) => {
    expect(toUtcMillis(input)).toBe(expected);
  });

  it('takes numbers and an explicit unit', () => {
    expect(toUtcMillis(1567965420)).toBe(1567965420000);
    expect(toUtcMillis(1567965420, 'ms')).toBe(1567965420);
    expect(toUtcMillis('1789430400000000', 'us')).toBe(1789430400000);
    expect(toUtcMillis(Number.NaN)).toBeNull();
  });

  it('detects the unit by magnitude', () => {
    expect(detectTimeUnit(1567965420)).toBe('s');
    expect(detectTimeUnit(1567965420000)).toBe('ms');
    expect(detectTimeUnit(1789430400000000)).toBe('us');
  });

  it('rejects impossible dates and hours', () => {
    expect(parseUtcDate('2024-13-01')).toBeNull();
    expect(parseUtcDate('2024-01-01 24:00:00')).toBeNull();
    expect(parseUtcDate('2017-08-17 13-PM')).toBeNull();
  });

  it('formats in UTC whatever the local zone', () => {
    expect(utcDate(1567969200000)).toBe('2019-09-08');
    expect(formatUtc(1567969200000)).toBe('2019-09-08 19:00:00');
    expect(formatUtc(1567969200123)).toBe('2019-09-08 19:00:00.123');
  });

  it('names the bad input in errors', () => {
    expect(() => requireUtcMillis('yesterday', '--from')).toThrow(/--from: "yesterday" is not a time/);
    expect(() => intervalMs('7m')).toThrow(/Interval "7m"/);
    expect(intervalMs('1h')).toBe(3_600_000);
  });
});

describe('utcMinuteStart and utcDayStart', () => {
  it('floor to the minute and the day exactly, as the integer remainder would, for any time up to 2^53', () => {
    const ts = [0, 1, 59_999, 60_000, 1_567_969_234_567, 2 ** 53 - 1, 2 ** 53 - 60_000, 2 ** 50 + 12_345];
    for (let i = 0; i < 20_000; i++) ts.push(Math.floor(Math.random() * 2 ** 53), Math.floor(Math.random() * 4e12), 60_000 * Math.floor(Math.random() * 1e10) - 1);
    for (const t of ts) {
      // BigInt: the remainder computed without rounding.
      const minute = Number(BigInt(t) - (BigInt(t) % 60_000n));
      const day = Number(BigInt(t) - (BigInt(t) % 86_400_000n));
      expect(utcMinuteStart(t), `${t}`).toBe(minute);
      expect(utcDayStart(t), `${t}`).toBe(day);
    }
    // Before 1970 the floor is the earlier minute (a remainder would round toward zero).
    expect(utcMinuteStart(-1)).toBe(-60_000);
  });
});
