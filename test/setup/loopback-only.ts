/**
 * Test guard: no test may reach a host other than this machine's loopback. Any socket connection to another host
 * fails at once with an error that names it (instead of a DNS lookup leaving the machine).
 */
import net from 'node:net';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/;
const original = net.Socket.prototype.connect;

net.Socket.prototype.connect = function connect(this: net.Socket, ...args: unknown[]) {
  const first = args[0];
  const opts = (Array.isArray(first) ? first[0] : first) as { host?: string; path?: string } | number | string | undefined;
  let host: string | undefined;
  if (typeof opts === 'object' && opts !== null && opts.path === undefined) host = opts.host ?? 'localhost';
  else if (typeof opts === 'number') host = typeof args[1] === 'string' ? (args[1] as string) : 'localhost';
  if (host !== undefined && !LOOPBACK.test(host)) {
    throw new Error(`A test tried to connect to ${host}: tests may only reach servers they start on 127.0.0.1`);
  }
  return (original as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
