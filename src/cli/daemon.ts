import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { configFileOf } from './context.js';
import { startDaemon } from '../daemon/daemon.js';
import { underSudo } from '../access/identity.js';
import { NotPermittedError } from '../access/errors.js';

export function registerDaemonCommand(program: Command): void {
  program.command('daemon')
    .description('run the workstation daemon in the foreground (watch docks, ingest cameras)')
    .action(async (_opts: unknown, cmd: Command) => {
      // The daemon acts as `system`: started by root (systemd), never on a user's behalf through sudo.
      if (underSudo({ euid: process.geteuid?.() ?? 0, env: process.env })) {
        throw new NotPermittedError('daemon', 'the daemon is started by root (systemd), not by a user through sudo');
      }
      const loaded = loadConfig({ file: configFileOf(cmd) });
      const d = await startDaemon(loaded);
      const onSignal = () => { void d.stop(); };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      await d.done;
    });
}
