import type { Command } from 'commander';

// TODO(owner of src/cli/recordings.ts): register the command group here.
export function registerRecordingsCommands(program: Command): void {
  void program;
}
