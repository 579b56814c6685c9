/**
 * Splits one async iterable into two that see the same items, reading the source once: a bulk file is parsed and
 * copied to bronze from a single read. The faster branch waits when it is `maxAhead` items ahead of the slower one
 * (bounded memory); a branch that is left early no longer holds the other back.
 * @module
 */

/**
 * Tees an async iterable.
 *
 * @example
 * ```ts
 * const [toBronze, toParser] = teeAsync(createReadStream(path));
 * await Promise.all([lake.bronzeFile('files', name, toBronze), consume(toParser)]);
 * ```
 */
export function teeAsync<T>(source: AsyncIterable<T>, maxAhead = 8): [AsyncIterable<T>, AsyncIterable<T>] {
  const it = source[Symbol.asyncIterator]();
  const buf: T[] = [];
  let base = 0; // stream index of buf[0]
  const pos = [0, 0];
  const closed = [false, false];
  let done = false;
  let failed = false;
  let error: unknown;
  let pulling: Promise<void> | null = null;
  let waiters: (() => void)[] = [];

  const notify = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const trim = () => {
    const low = Math.min(closed[0] ? Number.POSITIVE_INFINITY : pos[0]!, closed[1] ? Number.POSITIVE_INFINITY : pos[1]!);
    const drop = Math.min(buf.length, (Number.isFinite(low) ? low : base + buf.length) - base);
    if (drop > 0) {
      buf.splice(0, drop);
      base += drop;
    }
  };
  const pull = (): Promise<void> => {
    pulling ??= (async () => {
      try {
        const r = await it.next();
        if (r.done) done = true;
        else buf.push(r.value);
      } catch (e) {
        failed = true;
        error = e;
        done = true;
      } finally {
        pulling = null;
        notify();
      }
    })();
    return pulling;
  };

  async function* branch(k: 0 | 1): AsyncGenerator<T> {
    try {
      for (;;) {
        const at = pos[k]!;
        if (at < base + buf.length) {
          const v = buf[at - base] as T;
          pos[k] = at + 1;
          trim();
          notify();
          yield v;
          continue;
        }
        if (done) {
          if (failed) throw error;
          return;
        }
        const other = 1 - k;
        if (!closed[other] && at - pos[other]! >= maxAhead) {
          await new Promise<void>((r) => waiters.push(r));
          continue;
        }
        await pull();
      }
    } finally {
      closed[k] = true;
      trim();
      notify();
      if (closed[0] && closed[1] && !done) await it.return?.();
    }
  }
  return [branch(0), branch(1)];
}
