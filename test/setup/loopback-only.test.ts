import { request } from 'undici';
import { describe, expect, it } from 'vitest';

describe('the loopback-only test guard', () => {
  it('refuses a connection to a public host before any packet leaves', async () => {
    await expect(request('http://data.binance.vision/x')).rejects.toThrow(/tests may only reach servers they start on 127\.0\.0\.1/);
  });
});
