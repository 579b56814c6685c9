#!/usr/bin/env node
/**
 * The `scalplake` command line.
 * @module
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isScalplakeError } from '../core/errors.js';
import { type CliOutput, createOutput } from './output.js';
import { COMMANDS } from './registry.js';
import { VERSION } from './version.js';

/** A CLI command: its flags, usage text and implementation. */
export interface Command {
  /** One line shown in `scalplake --help`. */
  readonly summary: string;
  /** Usage text shown by `scalplake <command> --help`. */
  readonly usage: string;
  /** Flags in node:util parseArgs form. */
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** Runs the command; resolves with the process exit code. */
  run(args: { values: Record<string, unknown>; positionals: string[]; out: CliOutput; signal: AbortSignal }): Promise<number>;
}

function help(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `scalplake ${VERSION}: Binance USD-M futures data into a bronze/silver/gold Parquet lake\n\nUsage: scalplake <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'scalplake <command> --help' for the options of a command.`;
}

/** Runs the CLI with the given arguments (without `node` and the script) and resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`scalplake: unknown command "${name}"; run 'scalplake --help'\n`);
    return 2;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    // node's messages may run over several lines (the first names the option): one line, as for every failure.
    const reason = `${((e as Error).message ?? String(e)).split('\n')[0]}; run 'scalplake ${name} --help' for its options`;
    if (rest.includes('--json')) {
      process.stdout.write(`${JSON.stringify({ ok: false, error: `INVALID_ARGUMENT: ${reason}`, code: 'INVALID_ARGUMENT' })}\n`);
    }
    process.stderr.write(`scalplake ${name}: ${reason}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  const out = createOutput(parsed.values.json === true);
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await command.run({ values: parsed.values, positionals: parsed.positionals, out, signal: controller.signal });
  } catch (e) {
    out.endProgress();
    const reason = isScalplakeError(e) ? `${e.code}: ${e.message}` : (e as Error)?.message ?? String(e);
    if (out.json) process.stdout.write(`${JSON.stringify({ ok: false, error: reason, code: isScalplakeError(e) ? e.code : undefined })}\n`);
    process.stderr.write(`scalplake ${name}: ${reason.split('\n')[0]}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

const invokedDirectly = (() => {
  const entry = process.argv[1] ?? '';
  return /(?:^|[\\/])(?:main\.(?:ts|js|cjs|mjs)|scalplake)$/.test(entry);
})();
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`scalplake: ${(e as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
