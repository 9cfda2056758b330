import type { Command } from 'commander';

// TODO(owner of src/cli/verify.ts): register the command group here.
export function registerVerifyCommand(program: Command): void {
  void program;
}
