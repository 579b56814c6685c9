import type { Command } from './main.js';

/** The CLI commands by name. */
export const COMMANDS: Readonly<Record<string, Command>> = {};
