import type { Command } from 'commander';

// TODO(owner of src/cli/status.ts): register the command group here.
export function registerStatusCommand(program: Command): void {
  void program;
}
