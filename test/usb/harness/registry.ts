// Everything the harness starts is registered here, so it is stopped even when a test fails or
// the worker exits: afterAll calls stopAllGuests(); the exit/signal hooks kill synchronously.
export interface Stoppable {
  /** Graceful, asynchronous stop. */
  stop(): Promise<void>;
  /** Last resort inside process 'exit': synchronous kill and cleanup. */
  killNow(): void;
}

const live = new Set<Stoppable>();
let hooked = false;

export function register(s: Stoppable): void {
  live.add(s);
  if (!hooked) {
    hooked = true;
    process.once('exit', killAllNow);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(sig, () => {
        killAllNow();
        process.kill(process.pid, sig); // default action again, the hook is gone
      });
    }
  }
}

export function unregister(s: Stoppable): void {
  live.delete(s);
}

export async function stopAllGuests(): Promise<void> {
  const all = [...live];
  await Promise.allSettled(all.map((s) => s.stop()));
  for (const s of all) live.delete(s);
}

function killAllNow(): void {
  for (const s of live) {
    try { s.killNow(); } catch { /* keep going */ }
  }
  live.clear();
}
