#!/usr/bin/env node
// evidock CLI entry: builds the commander program from one module per command group.
import './threadpool.js';
import { Command, CommanderError } from 'commander';
import { registerConfigCommands } from './config.js';
import { registerSimCommands } from './sim.js';
import { registerIngestCommand } from './ingest.js';
import { registerVerifyCommand } from './verify.js';
import { registerRecordingsCommands } from './recordings.js';
import { registerStatusCommand } from './status.js';
import { registerDaemonCommand } from './daemon.js';
import { registerDeployCommands } from './deploy.js';
import { registerSessionsCommands } from './sessions.js';
import { registerAccessCommands } from './access.js';
import { exitCodeFor, EXIT } from './exit.js';

const program = new Command('evidock')
  .description('body-worn camera evidence workstation: verified ingest and chain of custody')
  .option('--config <file>', 'YAML configuration (else $EVIDOCK_CONFIG, else the embedded default)')
  .option('--as <badge>', 'root only: act for this officer (audited as such)')
  .showHelpAfterError()
  .exitOverride();

registerConfigCommands(program);
registerSimCommands(program);
registerIngestCommand(program);
registerVerifyCommand(program);
registerRecordingsCommands(program);
registerStatusCommand(program);
registerDaemonCommand(program);
registerDeployCommands(program);
registerSessionsCommands(program);
registerAccessCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : EXIT.usage;
  } else {
    process.stderr.write(`evidock: ${(err as Error).message}\n`);
    process.exitCode = exitCodeFor(err);
  }
}
