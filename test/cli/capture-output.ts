/** Captures what the CLI writes to stdout and stderr during a test (vitest spies; restored by vi.restoreAllMocks). */
import { vi } from 'vitest';

/** The captured writes, appended to as the CLI writes. */
export interface CapturedOutput {
  readonly stdout: string[];
  readonly stderr: string[];
}

/** Starts capturing process.stdout and process.stderr writes (call in beforeEach; restore in afterEach). */
export function captureOutput(): CapturedOutput {
  const out: CapturedOutput = { stdout: [], stderr: [] };
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out.stdout.push(String(s));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    out.stderr.push(String(s));
    return true;
  });
  return out;
}
