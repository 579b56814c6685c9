import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureOutput } from './capture-output.js';

const MIN = 60_000;
const JAN1 = Date.UTC(2024, 0, 1);
const JAN2 = Date.UTC(2024, 0, 2);
const JAN3 = Date.UTC(2024, 0, 3);

let dir: string;
let lake: string;
let stdout: string[];
let stderr: string[];

/** A data.binance.vision 1m klines day without header (values made up, times real), minus the given minutes. */
function klinesDay(day: number, skip: readonly number[] = []): string {
  const lines: string[] = [];
  for (let m = 0; m < 1440; m++) {
    if (skip.includes(m)) continue;
    const t = day + m * MIN;
    lines.push(`${t},100.0,101.0,99.0,100.5,2.000,${t + 59_999},201.00,7,1.000,100.50,0`);
  }
  return `${lines.join('\n')}\n`;
}

async function cli(...args: string[]): Promise<number> {
  stdout.length = 0;
  stderr.length = 0;
  return main(args);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scalplake-gaps-'));
  lake = join(dir, 'lake');
  ({ stdout, stderr } = captureOutput());
  // Jan 1st whole, Jan 2nd absent, Jan 3rd without 10:00 and without its last minute.
  await writeFile(join(dir, 'BTCUSDT-1m-2024-01-01.csv'), klinesDay(JAN1));
  await writeFile(join(dir, 'BTCUSDT-1m-2024-01-03.csv'), klinesDay(JAN3, [600, 1439]));
  expect(await main(['import', '--lake', lake, join(dir, 'BTCUSDT-1m-2024-01-01.csv'), join(dir, 'BTCUSDT-1m-2024-01-03.csv')])).toBe(0);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

describe('scalplake gaps on klines', () => {
  it('counts a day without any bar as missing, and ends the default range with the last bar', async () => {
    expect(await cli('gaps', '--lake', lake, '--symbol', 'BTCUSDT', '--json')).toBe(0);
    const r = JSON.parse(stdout.join(''));
    expect(r.days.map((d: { date: string; expected: number; present: number }) => [d.date, d.present, d.expected])).toEqual([
      ['2024-01-01', 1440, 1440],
      ['2024-01-02', 0, 1440],
      ['2024-01-03', 1438, 1439], // the range ends with the last bar (23:58): 23:59 is not expected
    ]);
    expect(r.missing).toEqual([
      [JAN2, JAN2 + 1439 * MIN],
      [JAN3 + 600 * MIN, JAN3 + 600 * MIN],
    ]);
    expect(stderr.join('')).toBe('');
  });

  it('reports a range holding no bar at all as 0 % complete rather than failing', async () => {
    expect(await cli('gaps', '--lake', lake, '--symbol', 'BTCUSDT', '--from', '2024-01-02', '--to', '2024-01-03', '--json')).toBe(0);
    const r = JSON.parse(stdout.join(''));
    expect(r).toMatchObject({ ok: true, from: JAN2, to: JAN3, expected: 1440, present: 0, ratio: 0, missing: [[JAN2, JAN2 + 1439 * MIN]] });
    expect(r.days).toHaveLength(1);
  });

  it('takes --to as the exclusive end, as its usage says', async () => {
    expect(await cli('gaps', '--lake', lake, '--symbol', 'BTCUSDT', '--from', '2024-01-03', '--to', '2024-01-04', '--json')).toBe(0);
    const r = JSON.parse(stdout.join(''));
    expect(r).toMatchObject({ expected: 1440, present: 1438 });
    expect(r.missing).toEqual([
      [JAN3 + 600 * MIN, JAN3 + 600 * MIN],
      [JAN3 + 1439 * MIN, JAN3 + 1439 * MIN],
    ]);
    expect(await cli('gaps', '--help')).toBe(0);
    expect(stdout.join('')).toMatch(/--to.*exclusive/);
  });

  it('still fails, naming the symbol, when a symbol has no klines at all and no range is given', async () => {
    expect(await cli('gaps', '--lake', lake, '--symbol', 'ETHUSDT')).toBe(1);
    expect(stderr.join('')).toMatch(/^scalplake gaps: INVALID_ARGUMENT: No 1m klines for ETHUSDT/);
  });
});

describe('scalplake gaps on agg_trades', () => {
  it('lists missing id ranges as JSON', async () => {
    const csv = ['agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker'];
    for (const id of [1, 2, 3, 7, 8, 10]) csv.push(`${id},100.0,0.5,${id * 10},${id * 10},${JAN1 + id * 1000},true`);
    await writeFile(join(dir, 'BTCUSDT-aggTrades-2024-01-01.csv'), `${csv.join('\n')}\n`);
    expect(await cli('import', '--lake', lake, join(dir, 'BTCUSDT-aggTrades-2024-01-01.csv'))).toBe(0);
    expect(await cli('gaps', '--lake', lake, '--table', 'agg_trades', '--symbol', 'BTCUSDT', '--json')).toBe(0);
    const r = JSON.parse(stdout.join(''));
    expect(r.gaps.map((g: { kind: string; from: number; to: number; missing: number }) => [g.kind, g.from, g.to, g.missing])).toEqual([
      ['id', 4, 6, 3],
      ['id', 9, 9, 1],
    ]);
  });
});

describe('scalplake gold progress', () => {
  it('shows progress on a terminal (stderr), and none with --json', async () => {
    const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    try {
      expect(await cli('gold', '--lake', lake, '--symbol', 'BTCUSDT', '--to', '2024-01-02')).toBe(0);
      expect(stderr.join('')).toMatch(/\r\x1b\[K.*gold.*date=2024-01-01.*rows/);
      expect(await cli('gold', '--lake', lake, '--symbol', 'BTCUSDT', '--to', '2024-01-02', '--json')).toBe(0);
      expect(stderr.join('')).toBe('');
      expect(JSON.parse(stdout.join('')).ok).toBe(true);
    } finally {
      if (tty) Object.defineProperty(process.stderr, 'isTTY', tty);
      else delete (process.stderr as { isTTY?: boolean }).isTTY;
    }
  });
});
