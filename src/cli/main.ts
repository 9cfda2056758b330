#!/usr/bin/env node
// evidock CLI entry: builds the commander program from one module per command group.
import './threadpool.js';
import os from 'node:os';
import { Command, CommanderError, Option } from 'commander';
import { registerConfigCommands } from './config.js';
import { registerSimCommands } from './sim.js';
import { registerIngestCommand } from './ingest.js';
import { registerVerifyCommand } from './verify.js';
import { registerRecordingsCommands } from './recordings.js';
import { registerStatusCommand } from './status.js';
import { registerDaemonCommand } from './daemon.js';
import { registerDeployCommands } from './deploy.js';
import { registerSessionsCommands } from './sessions.js';
import { registerAuditCommands } from './audit.js';
import { registerClassifyCommand } from './classify.js';
import { registerCaseCommands, registerCaseReport } from './case.js';
import { registerHoldCommands } from './hold.js';
import { registerRetentionCommands } from './retention.js';
import { registerArchiveCommands } from './archive.js';
import { registerAccessCommands } from './access.js';
import { registerAlertsCommands } from './alerts.js';
import { registerGapCommands } from './gaps.js';
import { registerComplianceReports } from './report.js';
import { registerDeviceCommands } from './device.js';
import { registerUpstreamCommands } from './upstream.js';
import { registerCatalogReports, registerUpstreamCatalogCommands } from './upstream-catalog.js';
import { exitCodeFor, EXIT } from './exit.js';
import { escapeControl } from '../util/escape.js';
import { isLocalCommand, planReexec, refusedUnderSudo, runReexec } from './sudo.js';
import { underSudo } from '../access/identity.js';

const program = new Command('evidock')
  .description('body-worn camera evidence workstation: verified ingest and chain of custody')
  .option('--config <file>', 'YAML configuration (else $EVIDOCK_CONFIG, else the embedded default)')
  .option('--as <badge>', 'root only: act for this officer (audited as root acting for the badge)')
  .addOption(new Option('--system-config <file>', 'set by the sudo rule: the system configuration').hideHelp())
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
registerAuditCommands(program);
registerClassifyCommand(program);
registerCaseCommands(program);
registerHoldCommands(program);
registerRetentionCommands(program);
registerArchiveCommands(program);
registerCaseReport(program.command('report').description('reports (case: the case file by stage)'));
registerAccessCommands(program);
registerAlertsCommands(program);
registerGapCommands(program);
registerComplianceReports(program);
registerDeviceCommands(program);
registerUpstreamCommands(program);
registerUpstreamCatalogCommands(program);
registerCatalogReports(program); // last: --catalog on every report registered above

// A non-root user reaches custody only as the service account, through sudo (src/cli/sudo.ts).
const args = process.argv.slice(2);
const euid = process.geteuid?.() ?? 0;
// Under sudo the caller gets custody commands only: nothing that writes files as the service account
// (sim), nothing steered by the caller's options or environment.
const sudoRefused = underSudo({ euid, env: process.env }) ? refusedUnderSudo(process.argv, process.env) : undefined;
const plan = euid !== 0 && process.env.SUDO_UID === undefined && !isLocalCommand(args)
  ? planReexec(args, process.env, os.userInfo().username) : undefined;

async function run(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : EXIT.usage;
    } else {
      // Line by line: a multi-line message (config problems) stays readable, control characters do not pass.
      process.stderr.write(`evidock: ${String((err as Error).message).split('\n').map(escapeControl).join('\n')}\n`);
      process.exitCode = exitCodeFor(err);
    }
  }
}

if (sudoRefused) {
  process.stderr.write(`evidock: ${sudoRefused.message}\n`);
  process.exitCode = sudoRefused.exitCode;
} else if (plan) process.exitCode = runReexec(plan);
else await run();
