/**
 * The WebSocket client of the Binance sources (on `ws`): one combined-stream connection to a root (`/public` or
 * `/market`), subscriptions paced under 10 client messages per second, pongs (answered by `ws` itself), a stall
 * timer, reconnects with exponential backoff and jitter, and a proactive overlapping rotation before the
 * connection lifetime ends.
 * @module
 */
import WebSocket from 'ws';
import { ScalplakeError } from '../../core/errors.js';
import { AsyncQueue } from './async-queue.js';

/** A data frame of a combined stream. */
export interface WsFrame {
  /** Tells events apart. */
  readonly type: 'frame';
  /** The stream name, e.g. `btcusdt@aggTrade`. */
  readonly stream: string;
  /** The parsed payload (`data` of the combined frame). */
  readonly data: unknown;
  /** The frame text exactly as received (for bronze). */
  readonly raw: string;
  /** When it was received (UTC ms, the client's `now`). */
  readonly receivedAt: number;
  /** 1-based offset of the frame on this client (all connections). */
  readonly seq: number;
  /** The connection that delivered it. */
  readonly connectionId: number;
}

/** A frame that was not valid JSON or not a combined-stream frame. */
export interface WsMalformed {
  /** Tells events apart. */
  readonly type: 'malformed';
  /** The frame text as received. */
  readonly raw: string;
  /** Why it was rejected. */
  readonly reason: string;
  /** When it was received (UTC ms). */
  readonly receivedAt: number;
  /** 1-based offset on this client. */
  readonly seq: number;
  /** The connection that delivered it. */
  readonly connectionId: number;
}

/** A connection delivers data: the first one, a reconnect after a `down`, or a rotation. */
export interface WsOpen {
  /** Tells events apart. */
  readonly type: 'open';
  /** The new connection. */
  readonly connectionId: number;
  /** `initial`, `reconnect` (after a `down`: data may be missing) or `rotate` (overlapping: nothing missing). */
  readonly reason: 'initial' | 'reconnect' | 'rotate';
  /** Reconnect attempts since the last healthy connection (0 for the first). */
  readonly attempt: number;
  /** When it opened (UTC ms). */
  readonly at: number;
}

/** The connection was lost (closed, errored or stalled): data may be missing until the next `open`. */
export interface WsDown {
  /** Tells events apart. */
  readonly type: 'down';
  /** The connection that went down. */
  readonly connectionId: number;
  /** What happened, e.g. `close 1006`, `stall: no message for 10000 ms`. */
  readonly reason: string;
  /** When (UTC ms). */
  readonly at: number;
}

/** What a {@link BinanceWsClient} yields. */
export type WsEvent = WsFrame | WsMalformed | WsOpen | WsDown;

/** A combined-stream frame as the socket delivered it; parsed into a {@link WsFrame} when the consumer takes it. */
interface Unparsed {
  readonly type: 'unparsed';
  readonly raw: string;
  readonly receivedAt: number;
  readonly seq: number;
  readonly connectionId: number;
}

/** How a combined-stream data frame starts; anything else (replies, errors, garbage) is parsed on arrival. */
const DATA_FRAME_PREFIX = '{"stream":"';

/**
 * Events handed to the consumer at a time. A socket read can hold hundreds of frames; parsing them in groups lets
 * the first rows of a burst reach the consumer before the last frames of it are parsed (frame→record latency).
 */
const EVENTS_PER_BATCH = 64;

/** Counters of a {@link BinanceWsClient}. */
export interface WsClientStats {
  /** Data frames received (a frame that turns out malformed when parsed is moved to `malformed`). */
  frames: number;
  /** Frames that were not JSON or not combined-stream frames. */
  malformed: number;
  /** Reconnects after a drop or a stall. */
  reconnects: number;
  /** Proactive rotations before the lifetime ended. */
  rotations: number;
  /** Stalls detected. */
  stalls: number;
  /** Client messages sent (SUBSCRIBE). */
  messagesSent: number;
}

/** Options of {@link BinanceWsClient}. */
export interface BinanceWsClientOptions {
  /** The root URL, e.g. `wss://fstream.binance.com/market` or `ws://127.0.0.1:9000/public`. */
  readonly url: string;
  /** Streams to subscribe, e.g. `['btcusdt@aggTrade', 'btcusdt@kline_1m']` (at most 1024). */
  readonly streams: readonly string[];
  /** Streams per SUBSCRIBE message (default 100). */
  readonly streamsPerMessage?: number;
  /** Client messages per second (default 5; Binance disconnects above 10). */
  readonly messagesPerSecond?: number;
  /** Reconnect when no message arrived for this many wall-clock ms (default 10 000). */
  readonly stallTimeoutMs?: number;
  /** Connection lifetime (default 24 h), measured with {@link BinanceWsClientOptions.now}. */
  readonly lifetimeMs?: number;
  /** Rotate (open a new connection, switch when it delivers) this long before the lifetime ends (default 10 min). */
  readonly rotateBeforeMs?: number;
  /** First reconnect delay in wall-clock ms (default 250), doubling per attempt up to `backoffMaxMs`, with jitter. */
  readonly backoffBaseMs?: number;
  /** Largest reconnect delay (default 30 000). */
  readonly backoffMaxMs?: number;
  /** The clock for `receivedAt` and the lifetime (UTC ms); `Date.now` by default. */
  readonly now?: () => number;
  /** Random numbers in [0, 1) for jitter. */
  readonly random?: () => number;
  /** Stops the client. */
  readonly signal?: AbortSignal;
  /** Extra `ws` options (headers, agent, …). */
  readonly wsOptions?: WebSocket.ClientOptions;
}

interface Conn {
  readonly id: number;
  readonly ws: WebSocket;
  openedAt: number;
  lastMessageAt: number;
  delivered: boolean;
  closed: boolean;
}

/**
 * A self-healing combined-stream connection. Iterate {@link BinanceWsClient.events} to receive frames and
 * connection events; the client reconnects forever until the signal aborts or {@link BinanceWsClient.close} is
 * called. Malformed frames become `malformed` events, never exceptions.
 *
 * @example
 * ```ts
 * const client = new BinanceWsClient({ url: 'ws://127.0.0.1:9000/market', streams: ['btcusdt@aggTrade'], signal });
 * for await (const events of client.events()) for (const e of events) if (e.type === 'frame') console.log(e.stream);
 * ```
 */
export class BinanceWsClient {
  /** WebSocket connections that actually opened (a handshake completed), initial, rotations and reconnects. */
  opened = 0;
  /** Counters. */
  readonly stats: WsClientStats = { frames: 0, malformed: 0, reconnects: 0, rotations: 0, stalls: 0, messagesSent: 0 };
  private readonly o: BinanceWsClientOptions;
  private readonly now: () => number;
  private readonly queue = new AsyncQueue<WsEvent | Unparsed>();
  private current: Conn | null = null;
  private next: Conn | null = null;
  private nextId = 1;
  private seq = 0;
  private attempt = 0;
  private stopped = false;
  private started = false;
  private timer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private sendTimes: number[] = [];
  private msgId = 1;

  /** @example `new BinanceWsClient({ url: 'ws://127.0.0.1:9000/public', streams: ['btcusdt@depth@100ms'] })` */
  constructor(options: BinanceWsClientOptions) {
    if (options.streams.length === 0 || options.streams.length > 1024) {
      throw new ScalplakeError('INVALID_ARGUMENT', `A connection takes 1…1024 streams, got ${options.streams.length}`, {
        context: { url: options.url, streams: options.streams.length },
      });
    }
    this.o = options;
    this.now = options.now ?? Date.now;
  }

  /** Batches of events as they arrive (each array holds at most 64 of those queued when the consumer asked). */
  async *events(): AsyncGenerator<WsEvent[]> {
    this.start();
    try {
      for (;;) {
        const batch = await this.queue.takeAll(EVENTS_PER_BATCH);
        if (batch.length === 0 && this.queue.isEnded) return;
        if (batch.length > 0) yield batch.map((e) => (e.type === 'unparsed' ? this.parse(e) : e));
      }
    } finally {
      this.close();
    }
  }

  /** Starts connecting (called by {@link BinanceWsClient.events}). */
  start(): void {
    if (this.started) return;
    this.started = true;
    if (this.o.signal?.aborted) {
      this.close();
      return;
    }
    this.o.signal?.addEventListener('abort', () => this.close(), { once: true });
    this.current = this.connect();
    this.queue.push({ type: 'open', connectionId: this.current.id, reason: 'initial', attempt: 0, at: this.now() });
    const stall = this.o.stallTimeoutMs ?? 10_000;
    this.timer = setInterval(() => this.tick(), Math.max(10, Math.min(1000, stall / 4)));
    this.timer.unref?.();
  }

  /** Closes every connection and ends the event stream. */
  close(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    for (const c of [this.current, this.next]) if (c) this.drop(c);
    this.queue.end();
  }

  /** Forces a reconnect of the current connection (as after a stall), e.g. from a test or a watchdog. */
  reconnect(reason: string): void {
    const c = this.current;
    if (c && !c.closed) this.lose(c, reason);
  }

  private connect(): Conn {
    const id = this.nextId++;
    const url = `${this.o.url.replace(/\/+$/, '')}/stream`;
    const ws = new WebSocket(url, { perMessageDeflate: false, ...this.o.wsOptions });
    const conn: Conn = { id, ws, openedAt: this.now(), lastMessageAt: Date.now(), delivered: false, closed: false };
    ws.on('open', () => {
      this.opened++;
      conn.openedAt = this.now();
      conn.lastMessageAt = Date.now();
      void this.subscribe(conn);
    });
    ws.on('message', (data, isBinary) => this.onMessage(conn, isBinary ? Buffer.from(data as Buffer).toString('utf8') : String(data)));
    ws.on('ping', () => {
      conn.lastMessageAt = Date.now();
    });
    ws.on('error', () => {
      // 'close' follows; the reason is reported there.
    });
    ws.on('close', (code, reason) => {
      if (conn.closed) return;
      this.lose(conn, `close ${code}${reason.length ? ` ${reason.toString()}` : ''}`);
    });
    return conn;
  }

  private async subscribe(conn: Conn): Promise<void> {
    const per = this.o.streamsPerMessage ?? 100;
    const streams = this.o.streams;
    for (let i = 0; i < streams.length; i += per) {
      await this.paceMessage();
      if (conn.closed || this.stopped) return;
      conn.ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: streams.slice(i, i + per), id: this.msgId++ }));
      this.stats.messagesSent++;
    }
  }

  /** Waits until one more client message fits in the per-second budget (a sliding window of 1 s). */
  private async paceMessage(): Promise<void> {
    const limit = this.o.messagesPerSecond ?? 5;
    for (;;) {
      const t = Date.now();
      while (this.sendTimes.length > 0 && this.sendTimes[0]! <= t - 1000) this.sendTimes.shift();
      if (this.sendTimes.length < limit) {
        this.sendTimes.push(t);
        return;
      }
      await new Promise((r) => setTimeout(r, this.sendTimes[0]! + 1001 - t));
    }
  }

  private onMessage(conn: Conn, text: string): void {
    if (conn.closed || this.stopped) return;
    conn.lastMessageAt = Date.now();
    const receivedAt = this.now();
    // A data frame is parsed later, by the consumer (events()): the socket callback only decodes and queues it.
    const isData = text.startsWith(DATA_FRAME_PREFIX);
    let parsed: unknown;
    if (!isData) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const obj = parsed as { stream?: unknown; result?: unknown; id?: unknown; error?: unknown } | undefined;
      if (obj !== undefined && obj !== null && typeof obj === 'object' && 'id' in obj && ('result' in obj || 'error' in obj) && !('stream' in obj)) {
        return; // a reply to SUBSCRIBE
      }
    }
    if (conn !== this.current) {
      // The rotation target delivers: switch to it.
      if (conn === this.next) this.switchToNext();
      else return;
    }
    conn.delivered = true;
    this.attempt = 0;
    const seq = ++this.seq;
    if (isData) {
      // Counted on arrival, as a frame; parse() moves it to malformed if it turns out not to be one.
      this.stats.frames++;
      this.queue.push({ type: 'unparsed', raw: text, receivedAt, seq, connectionId: conn.id });
    } else {
      this.queue.push(this.toEvent(parsed, { type: 'unparsed', raw: text, receivedAt, seq, connectionId: conn.id }));
    }
  }

  /** Parses a queued data frame (already counted in `stats.frames`). */
  private parse(u: Unparsed): WsFrame | WsMalformed {
    let parsed: unknown;
    try {
      parsed = JSON.parse(u.raw);
    } catch {
      parsed = undefined;
    }
    this.stats.frames--;
    return this.toEvent(parsed, u);
  }

  /** A frame event for a parsed combined-stream frame, or a malformed event saying why it is not one. */
  private toEvent(parsed: unknown, u: Unparsed): WsFrame | WsMalformed {
    const obj = parsed as { stream?: unknown; data?: unknown } | undefined;
    const { raw, receivedAt, seq, connectionId } = u;
    if (obj === undefined || obj === null || typeof obj !== 'object' || typeof obj.stream !== 'string' || obj.data === undefined) {
      this.stats.malformed++;
      const reason = obj === undefined ? 'frame is not JSON' : 'frame is not a combined-stream frame {"stream","data"}';
      return { type: 'malformed', raw, reason, receivedAt, seq, connectionId };
    }
    this.stats.frames++;
    return { type: 'frame', stream: obj.stream, data: obj.data, raw, receivedAt, seq, connectionId };
  }

  private switchToNext(): void {
    const old = this.current;
    const n = this.next!;
    this.current = n;
    this.next = null;
    if (old) this.drop(old);
    this.stats.rotations++;
    this.queue.push({ type: 'open', connectionId: n.id, reason: 'rotate', attempt: 0, at: this.now() });
  }

  private tick(): void {
    if (this.stopped) return;
    const c = this.current;
    if (!c || c.closed) return;
    const stall = this.o.stallTimeoutMs ?? 10_000;
    const idle = Date.now() - c.lastMessageAt;
    if (idle > stall) {
      this.stats.stalls++;
      this.lose(c, `stall: no message for ${idle} ms`);
      return;
    }
    const lifetime = this.o.lifetimeMs ?? 86_400_000;
    const before = this.o.rotateBeforeMs ?? 600_000;
    if (this.next === null && c.delivered && this.now() - c.openedAt >= lifetime - before) {
      this.next = this.connect();
    }
  }

  private drop(c: Conn): void {
    c.closed = true;
    try {
      c.ws.terminate();
    } catch {
      // already closed
    }
  }

  private lose(c: Conn, reason: string): void {
    if (c.closed) return;
    this.drop(c);
    if (this.stopped) return;
    if (c === this.next) {
      this.next = null;
      return;
    }
    if (c !== this.current) return;
    if (this.next !== null) {
      // The rotation target takes over; it was subscribed before the old one went, so nothing is missing only if
      // it already delivered: report a down to be safe.
      const n = this.next;
      this.next = null;
      this.current = n;
      this.queue.push({ type: 'down', connectionId: c.id, reason, at: this.now() });
      this.queue.push({ type: 'open', connectionId: n.id, reason: 'reconnect', attempt: 0, at: this.now() });
      return;
    }
    this.current = null;
    this.queue.push({ type: 'down', connectionId: c.id, reason, at: this.now() });
    const base = this.o.backoffBaseMs ?? 250;
    const max = this.o.backoffMaxMs ?? 30_000;
    const d = Math.min(max, base * 2 ** this.attempt);
    const delay = d / 2 + ((this.o.random ?? Math.random)() * d) / 2;
    this.attempt++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.stopped) return;
      this.stats.reconnects++;
      const n = this.connect();
      this.current = n;
      this.queue.push({ type: 'open', connectionId: n.id, reason: 'reconnect', attempt: this.attempt, at: this.now() });
    }, delay);
  }
}
