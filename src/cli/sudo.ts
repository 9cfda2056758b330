// The user side of the sudo mechanism (src/access/identity.ts): a non-root user's CLI re-executes
// itself as the service account that owns custody, through `sudo -n -u <service>`, with the system
// configuration as the pinned first argument. Commands that touch no custody run as the caller.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/load.js';
import { SYSTEM_CONFIG, sudoRefusals } from '../access/identity.js';
import { NotPermittedError } from '../access/errors.js';
import { EXIT } from './exit.js';

/** Global options that take a value (skipped when finding the command's words). */
const VALUE_OPTIONS = new Set(['--config', '--as', '--system-config']);

/** The command words of argv (after node and the script), e.g. ['config', 'check']. */
export function commandWords(args: readonly string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (VALUE_OPTIONS.has(a)) { i++; continue; }
    if (a.startsWith('-')) continue;
    words.push(a);
  }
  return words;
}

/** Commands that read no custody: run by anyone as themselves (--help, config check|show, sim, deploy). */
export function isLocalCommand(args: readonly string[]): boolean {
  if (args.some((a) => a === '--help' || a === '-h' || a === '--version' || a === '-V')) return true;
  const [first, second] = commandWords(args);
  return first === undefined || first === 'help' || first === 'sim' || first === 'deploy'
    || (first === 'config' && (second === undefined || second === 'check' || second === 'show'));
}

/** bin/evidock of this installation: the path the sudoers rule names. */
export function evidockExecutable(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/evidock');
}

function optionValue(args: readonly string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name) return args[i + 1];
    if (args[i]!.startsWith(`${name}=`)) return args[i]!.slice(name.length + 1);
  }
  return undefined;
}

function withoutOption(args: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name) { i++; continue; }
    if (args[i]!.startsWith(`${name}=`)) continue;
    out.push(args[i]!);
  }
  return out;
}

export interface Reexec { serviceUser: string; configFile: string; argv: string[] }

/** Whether (and how) this non-root caller must go through sudo; undefined: run here (single-user mode). */
export function planReexec(args: readonly string[], env: NodeJS.ProcessEnv, user: string): Reexec | undefined {
  const explicit = optionValue(args, '--config') ?? env.EVIDOCK_CONFIG;
  const file = explicit ?? (fs.existsSync(SYSTEM_CONFIG) ? SYSTEM_CONFIG : undefined);
  if (file === undefined) return undefined; // the embedded default: data under ./var/evidock, the caller's own
  const abs = path.resolve(file);
  let serviceUser: string | undefined;
  try {
    serviceUser = loadConfig({ file: abs, env: {} }).config.access.serviceUser;
  } catch (err) {
    // A configuration the caller may not read is the service's: go through sudo to the default account.
    if (!/permission denied|EACCES/i.test((err as Error).message)) return undefined; // config errors are reported by the normal path
    serviceUser = env.EVIDOCK_SERVICE_USER ?? 'evidock';
  }
  if (serviceUser === undefined || serviceUser === user) return undefined;
  const rest = withoutOption(withoutOption(args, '--config'), '--system-config');
  return { serviceUser, configFile: abs, argv: [evidockExecutable(), '--system-config', abs, ...rest] };
}

/** Runs the plan; returns the exit code (4 when no sudo rule lets this user reach custody). */
export function runReexec(plan: Reexec): number {
  const allowed = spawnSync('sudo', ['-n', '-l', '-u', plan.serviceUser, ...plan.argv], { stdio: 'ignore' });
  if (allowed.error || allowed.status !== 0) {
    const why = allowed.error ? `sudo: ${allowed.error.message}` : `no sudo rule lets ${os.userInfo().username} run evidock as ${plan.serviceUser} with ${plan.configFile}`;
    process.stderr.write(`evidock: not permitted: custody: ${why} (install the rule printed by \`evidock deploy sudoers\`)\n`);
    return EXIT.notPermitted;
  }
  const r = spawnSync('sudo', ['-n', '-u', plan.serviceUser, ...plan.argv], { stdio: 'inherit' });
  if (r.error) { process.stderr.write(`evidock: sudo: ${r.error.message}\n`); return EXIT.failure; }
  return r.status ?? EXIT.failure;
}

/** Under sudo: a refusal for local commands (they would run as the service account) and steering options. */
export function refusedUnderSudo(argv: readonly string[], env: NodeJS.ProcessEnv): NotPermittedError | undefined {
  const args = argv.slice(2);
  const refused = sudoRefusals(argv, env);
  if (refused.length) return new NotPermittedError(refused.join(', '), 'a caller reaching custody through sudo cannot choose the configuration or point evidock at files');
  const words = commandWords(args);
  const helpOnly = args.some((a) => a === '--help' || a === '-h') || words[0] === 'help' || words.length === 0;
  if (isLocalCommand(args) && !helpOnly) {
    return new NotPermittedError(words.join(' '), 'touches no custody: run it as yourself, not through sudo');
  }
  return undefined;
}
