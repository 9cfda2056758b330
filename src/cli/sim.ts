import type { Command } from 'commander';

// TODO(owner of src/cli/sim.ts): register the command group here.
export function registerSimCommands(program: Command): void {
  void program;
}
