import type { Command } from 'commander';

// TODO(owner of src/cli/config.ts): register the command group here.
export function registerConfigCommands(program: Command): void {
  void program;
}
