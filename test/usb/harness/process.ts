// A background process in the guest (agent "spawn"): output so far, wait, kill.
import { toExecResult, type AgentClient, type ExecResult } from './agent.js';

export interface SpawnOptions { env?: Record<string, string>; cwd?: string }

export interface ProcessState extends ExecResult { done: boolean }

export class GuestProcess {
  constructor(
    private readonly agent: AgentClient,
    readonly handle: number,
    readonly pid: number,
    readonly argv: string[],
  ) {}

  /** Everything written so far (the agent keeps it until the process has ended and was collected). */
  async output(): Promise<ProcessState> {
    return state(await this.agent.request({ cmd: 'output', handle: this.handle }, 30_000));
  }

  /** Waits up to timeoutMs for the exit; `done` says whether it came. */
  async wait(timeoutMs = 60_000): Promise<ProcessState> {
    return state(await this.agent.request({ cmd: 'wait', handle: this.handle, timeoutMs }, timeoutMs + 15_000));
  }

  /** Signals the process group. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.agent.request({ cmd: 'kill', handle: this.handle, signal }, 30_000);
  }

  /** kill, then wait for the exit and return the final output. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<ProcessState> {
    await this.kill(signal);
    const s = await this.wait(timeoutMs);
    if (s.done) return s;
    await this.kill('SIGKILL');
    return this.wait(timeoutMs);
  }
}

function state(r: Record<string, unknown>): ProcessState {
  return { ...toExecResult(r), done: r.done === true };
}
