import { describe, expect, it } from 'vitest';
import { FairShare } from '../../src/ingest/fair-share.js';

describe('FairShare', () => {
  it('serves waiting cameras round-robin, so a big camera does not starve a small one', async () => {
    const fs = new FairShare(1);
    const hold = await fs.acquire('big');
    const order: string[] = [];
    const take = async (key: string) => { const r = await fs.acquire(key); order.push(key); r(); };
    // The big camera queues 4 files before the small one asks for its 2.
    const all = [take('big'), take('big'), take('big'), take('big'), take('small'), take('small')];
    expect(fs.waiting()).toEqual(['big', 'small']);
    hold();
    await Promise.all(all);
    expect(order).toEqual(['big', 'small', 'big', 'small', 'big', 'big']);
  });

  it('never grants more than its slots, and an aborted wait leaves the queue', async () => {
    const fs = new FairShare(2);
    let inFlight = 0;
    let peak = 0;
    const job = async (key: string) => {
      const r = await fs.acquire(key);
      inFlight += 1; peak = Math.max(peak, inFlight);
      await new Promise((res) => setTimeout(res, 2));
      inFlight -= 1; r();
    };
    await Promise.all(Array.from({ length: 30 }, (_, i) => job(`cam${i % 5}`)));
    expect(peak).toBe(2);
    const hold = [await fs.acquire('a'), await fs.acquire('a')];
    const ac = new AbortController();
    const waiting = fs.acquire('b', ac.signal);
    ac.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(fs.waiting()).toEqual([]);
    hold.forEach((r) => r());
  });
});
