import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { configFileOf } from './context.js';
import { startDaemon } from '../daemon/daemon.js';

export function registerDaemonCommand(program: Command): void {
  program.command('daemon')
    .description('run the workstation daemon in the foreground (watch docks, ingest cameras)')
    .action(async (_opts: unknown, cmd: Command) => {
      const loaded = loadConfig({ file: configFileOf(cmd) });
      const d = await startDaemon(loaded);
      const onSignal = () => { void d.stop(); };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      await d.done;
    });
}
