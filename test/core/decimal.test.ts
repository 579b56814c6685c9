import { describe, expect, it } from 'vitest';
import { parseBoolean, parseDecimal, parseInteger } from '../../src/core/decimal.js';

describe('parseDecimal', () => {
  it.each([
    ['', null],
    [' ', null],
    ['0', 0],
    ['10000', 10000],
    ['42314.00', 42314],
    ['0.27', 0.27],
    ['1e-8', 1e-8],
    ['-0.00042931', -0.00042931],
    ['.5', 0.5],
    ['5.', 5],
    [' 7.25 ', 7.25],
    ['abc', null],
    ['NULL', null],
    ['NaN', null],
    ['Infinity', null],
    ['0x10', null],
    ['1,5', null],
    ['1e999', null],
  ] as const)('%j → %j', (input, expected) => {
    expect(parseDecimal(input)).toBe(expected);
  });

  it('never yields NaN, whatever the input', () => {
    for (const v of ['-', '+', 'e5', '1e', '--1', '1..2', Number.NaN, Number.POSITIVE_INFINITY, null, undefined]) {
      expect(parseDecimal(v as string)).toBeNull();
    }
  });

  it('parses integers and refuses what a number cannot hold exactly', () => {
    expect(parseInteger('3449899747')).toBe(3449899747);
    expect(parseInteger('1.5')).toBeNull();
    expect(parseInteger('9007199254740993')).toBeNull();
  });

  it('parses booleans in both cases', () => {
    expect(parseBoolean('true')).toBe(true);
    expect(parseBoolean('True')).toBe(true);
    expect(parseBoolean('False')).toBe(false);
    expect(parseBoolean('yes')).toBeNull();
  });
});
