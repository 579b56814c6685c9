import { describe, expect, it } from 'vitest';
import { isScalplakeError, ScalplakeError } from '../../src/core/errors.js';
import { assertSymbol } from '../../src/core/symbol.js';

describe('ScalplakeError', () => {
  it('carries a literal code, context and cause', () => {
    const cause = new Error('disk full');
    const e = new ScalplakeError('SINK_WRITE', 'could not write "a.parquet"', { context: { key: 'a.parquet' }, cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('SINK_WRITE');
    expect(e.context).toEqual({ key: 'a.parquet' });
    expect(e.cause).toBe(cause);
    expect(isScalplakeError(e)).toBe(true);
    expect(isScalplakeError(e, 'SINK_WRITE')).toBe(true);
    expect(isScalplakeError(e, 'CHECKSUM_MISMATCH')).toBe(false);
  });

  it('is recognised across copies of the package (a look-alike from another module instance)', () => {
    class OtherCopyError extends Error {
      readonly code = 'CHECKSUM_MISMATCH';
    }
    const foreign = new OtherCopyError('x');
    Object.defineProperty(foreign, Symbol.for('scalplake.error'), { value: true });
    expect(foreign instanceof ScalplakeError).toBe(false);
    expect(isScalplakeError(foreign, 'CHECKSUM_MISMATCH')).toBe(true);
    expect(isScalplakeError(new Error('plain'))).toBe(false);
    expect(isScalplakeError(null)).toBe(false);
  });

  it('refuses symbols that could escape a path', () => {
    expect(assertSymbol('BTCUSDT')).toBe('BTCUSDT');
    for (const bad of ['btcusdt', 'BTC/USDT', '../X', 'B', 'A'.repeat(31), 'BTC USDT', '']) {
      expect(() => assertSymbol(bad)).toThrow(/does not match/);
    }
  });
});
