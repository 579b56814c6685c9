/** Test helper: an HTTP server on 127.0.0.1 serving scripted replies per path, counting hits. */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted reply. */
export interface Reply {
  /** HTTP status, default 200. */
  readonly status?: number;
  /** Body bytes or text. */
  readonly body?: Uint8Array | string;
  /** Send the headers and this many body bytes, then hang (never finish). */
  readonly stallAfter?: number;
  /** Send the headers and this many body bytes, then destroy the connection. */
  readonly dropAfter?: number;
  /** Never send headers (to trigger a headers timeout). */
  readonly noHeaders?: boolean;
}

export interface BulkServer {
  readonly baseUrl: string;
  /** Hits per path. */
  readonly hits: Map<string, number>;
  /** Replace or add the replies of a path; the n-th hit gets replies[min(n, last)]. */
  route(path: string, ...replies: Reply[]): void;
  close(): Promise<void>;
}

export async function startBulkServer(): Promise<BulkServer> {
  const routes = new Map<string, Reply[]>();
  const hits = new Map<string, number>();
  const pending = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const n = hits.get(path) ?? 0;
    hits.set(path, n + 1);
    const replies = routes.get(path);
    const reply = replies?.[Math.min(n, replies.length - 1)] ?? { status: 404, body: 'not found' };
    if (reply.noHeaders === true) {
      pending.add(res);
      return;
    }
    const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : Buffer.from(reply.body ?? new Uint8Array());
    res.writeHead(reply.status ?? 200, { 'content-length': String(body.length), 'content-type': 'application/octet-stream' });
    if (reply.stallAfter !== undefined) {
      res.write(body.subarray(0, reply.stallAfter));
      pending.add(res);
      return;
    }
    if (reply.dropAfter !== undefined) {
      res.write(body.subarray(0, reply.dropAfter), () => res.destroy());
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    hits,
    route(path, ...replies) {
      routes.set(path, replies);
    },
    async close() {
      for (const res of pending) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
