import { describe, it, expect } from 'vitest';
import { KeyedQueue } from '../../src/daemon/queue.js';

function deferred() {
  let resolve!: () => void;
  const p = new Promise<void>((r) => { resolve = r; });
  return { p, resolve };
}

describe('KeyedQueue', () => {
  it('never runs more than `concurrency` jobs, nor two of one key, and starts in arrival order', async () => {
    const q = new KeyedQueue(2);
    const log: string[] = [];
    let running = 0;
    let peak = 0;
    const gates = new Map<string, ReturnType<typeof deferred>>();
    const job = (key: string, name: string) => q.push({
      key,
      run: async () => {
        running += 1; peak = Math.max(peak, running);
        log.push(`start ${name}`);
        const g = deferred(); gates.set(name, g); await g.p;
        running -= 1; log.push(`end ${name}`);
        return name;
      },
    });
    const all = [job('A', 'a1'), job('A', 'a2'), job('B', 'b1'), job('C', 'c1')];
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['start a1', 'start b1']); // a2 waits for camera A, c1 for a slot
    gates.get('a1')!.resolve();
    await new Promise((r) => setImmediate(r));
    expect(log.slice(2)).toEqual(['end a1', 'start a2']); // a2 arrived before c1 and A is free now
    gates.get('b1')!.resolve();
    await new Promise((r) => setImmediate(r));
    gates.get('a2')!.resolve();
    await new Promise((r) => setImmediate(r));
    gates.get('c1')!.resolve();
    expect(await Promise.all(all)).toEqual(['a1', 'a2', 'b1', 'c1']);
    await q.onIdle();
    expect(peak).toBe(2);
    expect(q.active + q.pending).toBe(0);
  });

  it('passes a failing job\'s error to its caller and carries on', async () => {
    const q = new KeyedQueue(1);
    const bad = q.push({ key: 'A', run: async () => { throw new Error('boom'); } });
    const good = q.push({ key: 'A', run: async () => 7 });
    await expect(bad).rejects.toThrow('boom');
    expect(await good).toBe(7);
  });

  it('rejects a concurrency below one', () => {
    expect(() => new KeyedQueue(0)).toThrow(/concurrency/);
  });
});
