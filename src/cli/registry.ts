import { backfillCommand } from './commands/backfill-command.js';
import { downloadCommand } from './commands/download-command.js';
import { gapsCommand } from './commands/gaps-command.js';
import { goldCommand } from './commands/gold-command.js';
import { importCommand } from './commands/import-command.js';
import { liveCommand } from './commands/live-command.js';
import { replayCommand } from './commands/replay-command.js';
import type { Command } from './main.js';

/** The CLI commands by name. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  import: importCommand,
  download: downloadCommand,
  gaps: gapsCommand,
  gold: goldCommand,
  backfill: backfillCommand,
  live: liveCommand,
  replay: replayCommand,
};
