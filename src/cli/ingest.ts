import type { Command } from 'commander';

// TODO(owner of src/cli/ingest.ts): register the command group here.
export function registerIngestCommand(program: Command): void {
  void program;
}
