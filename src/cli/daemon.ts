import type { Command } from 'commander';

// TODO(owner of src/cli/daemon.ts): register the command group here.
export function registerDaemonCommand(program: Command): void {
  void program;
}
