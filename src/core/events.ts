/**
 * The events a run emits (eventemitter3).
 * @module
 */
import { EventEmitter } from 'eventemitter3';
import type { RejectedRow } from './stage.js';

/** Periodic progress of a run. */
export interface ProgressEvent {
  /** The stage reporting. */
  readonly stage: string;
  /** Rows handled so far by that stage. */
  readonly rows: number;
  /** Bytes read so far, for file and network sources. */
  readonly bytes?: number;
  /** Total bytes expected, when known. */
  readonly totalBytes?: number;
  /** What is being worked on, e.g. a file name. */
  readonly detail?: string;
}

/** A hole in a series: missing kline intervals or missing aggregate-trade ids. */
export interface GapEvent {
  /** The table. */
  readonly table: string;
  /** The symbol. */
  readonly symbol: string;
  /** `time`: `from`/`to` are UTC ms of the first and last missing interval start; `id`: the first and last missing id. */
  readonly kind: 'time' | 'id';
  /** First missing value (inclusive). */
  readonly from: number;
  /** Last missing value (inclusive). */
  readonly to: number;
  /** How many intervals or ids are missing. */
  readonly missing: number;
}

/** A sink made data visible. */
export interface FlushEvent {
  /** The table. */
  readonly table: string;
  /** The object keys written and made visible. */
  readonly files: readonly string[];
  /** Rows in those files. */
  readonly rows: number;
}

/** A live connection was re-established; stateful consumers reset. */
export interface ReconnectEvent {
  /** The stream or connection name. */
  readonly stream: string;
  /** Why it reconnected. */
  readonly reason: string;
  /** Attempt number since the last healthy period. */
  readonly attempt: number;
}

/** The event map of a run. */
export interface RunEventMap {
  /** Periodic progress. */
  progress: [ProgressEvent];
  /** A row was rejected. */
  invalid: [RejectedRow];
  /** A gap was found. */
  gap: [GapEvent];
  /** Data became visible in the lake. */
  flush: [FlushEvent];
  /** A live connection was re-established. */
  reconnect: [ReconnectEvent];
}

/** The typed emitter every run (and every stage context) carries. */
export type RunEvents = EventEmitter<RunEventMap>;

/**
 * Creates a typed run-event emitter.
 *
 * @example
 * ```ts
 * const events = createRunEvents();
 * events.on('gap', (g) => console.log(g.from, g.to));
 * ```
 */
export function createRunEvents(): RunEvents {
  return new EventEmitter<RunEventMap>();
}
