import type { ProgressEvent } from '../core/events.js';

/** Where a command writes: human text and progress to the terminal, or one JSON document with `--json`. */
export interface CliOutput {
  /** True when `--json` was given: only the final JSON document goes to stdout. */
  readonly json: boolean;
  /** Prints a line for humans (suppressed with `--json`). */
  line(text: string): void;
  /** Shows progress on a terminal (stderr, rewritten in place); silent when stderr is not a TTY or with `--json`. */
  progress(p: ProgressEvent): void;
  /** Ends a progress line. */
  endProgress(): void;
  /** Prints the command's result: JSON with `--json`, else nothing (the command printed lines already). */
  result(value: unknown): void;
}

/** Creates the output of one CLI invocation. */
export function createOutput(json: boolean, stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): CliOutput {
  const tty = !json && stderr.isTTY === true;
  let shown = false;
  return {
    json,
    line(text) {
      if (json) return;
      if (shown) {
        stderr.write('\r\x1b[K');
        shown = false;
      }
      stdout.write(`${text}\n`);
    },
    progress(p) {
      if (!tty) return;
      const pct = p.totalBytes ? ` ${((100 * (p.bytes ?? 0)) / p.totalBytes).toFixed(0)}%` : '';
      stderr.write(`\r\x1b[K${p.detail ?? p.stage}: ${p.rows.toLocaleString('en-US')} rows${pct}`);
      shown = true;
    },
    endProgress() {
      if (shown) stderr.write('\r\x1b[K');
      shown = false;
    },
    result(value) {
      if (json) stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
  };
}
