// identifyCaller and the sudo side's refusals, as a table (the real accounts: os-users.test.ts).
import { describe, expect, it } from 'vitest';
import { identifyCaller, sudoRefusals, type ProcessFacts } from '../../src/access/identity.js';
import { isLocalCommand } from '../../src/cli/sudo.js';

const users = new Map([[0, 'root'], [1000, 'alice'], [1001, 'bob']]);
const facts = (over: Partial<ProcessFacts>): ProcessFacts => ({
  euid: 999, user: 'evidock', env: {}, serviceUser: 'evidock', as: undefined, userOfUid: (u) => users.get(u), ...over,
});

describe('identifyCaller', () => {
  it.each([
    ['root', facts({ euid: 0, user: 'root' }), { kind: 'root', osUser: 'root', as: null }],
    ['root --as', facts({ euid: 0, user: 'root', as: 'A00001' }), { kind: 'root', osUser: 'root', as: 'A00001' }],
    ['service account under sudo', facts({ env: { SUDO_UID: '1000', SUDO_USER: 'alice' } }), { kind: 'user', osUser: 'alice', via: 'sudo' }],
    ['root through sudo to the service account', facts({ env: { SUDO_UID: '0', SUDO_USER: 'root' } }), { kind: 'root', osUser: 'root', as: null }],
    ['single-user mode (no service account)', facts({ serviceUser: undefined, user: 'alice', euid: 1000 }), { kind: 'user', osUser: 'alice', via: 'direct' }],
  ] as const)('%s', (_n, f, expected) => {
    expect(identifyCaller(f)).toEqual(expected);
  });

  it.each([
    ['service account without sudo', facts({}), /cannot identify the caller: running as the service account evidock without sudo/],
    ['SUDO_USER not the user of SUDO_UID', facts({ env: { SUDO_UID: '1001', SUDO_USER: 'alice' } }), /SUDO_USER alice is not uid 1001 \(bob\)/],
    ['SUDO_UID not a number', facts({ env: { SUDO_UID: 'x', SUDO_USER: 'alice' } }), /cannot identify the caller/],
    ['forged SUDO_* by another user', facts({ euid: 1000, user: 'alice', env: { SUDO_UID: '0', SUDO_USER: 'root' } }), /alice reaches it only through sudo/],
    ['--as under sudo', facts({ env: { SUDO_UID: '1000', SUDO_USER: 'alice' }, as: 'B00002' }), /--as B00002: only root may act for another officer; alice is not root/],
    ['under sudo with a configuration naming no service account', facts({ serviceUser: undefined, env: { SUDO_UID: '1000', SUDO_USER: 'alice' } }), /names no access.serviceUser/],
    ['--as in single-user mode', facts({ serviceUser: undefined, user: 'alice', euid: 1000, as: 'B00002' }), /only root may act/],
  ] as const)('refuses: %s (exit 4)', (_n, f, message) => {
    expect(() => identifyCaller(f)).toThrow(message);
    try { identifyCaller(f); } catch (e) { expect((e as { exitCode: number }).exitCode).toBe(4); }
  });
});

describe('under sudo', () => {
  it('refuses --config and every variable that points evidock at a file', () => {
    expect(sudoRefusals(['node', 'main.js', '--system-config', '/etc/e.yaml', 'recordings', 'list'], { SUDO_UID: '1000', PATH: '/bin' })).toEqual([]);
    expect(sudoRefusals(['node', 'main.js', '--config=/tmp/x.yaml'], {})).toHaveLength(1);
    // The rule pins the first --system-config; a second one (last wins in the parser) or a moved one is refused.
    expect(sudoRefusals(['node', 'main.js', '--system-config', '/etc/e.yaml', '--system-config', '/opt/other.yaml', 'verify'], {})).toHaveLength(1);
    expect(sudoRefusals(['node', 'main.js', '--system-config', '/etc/e.yaml', 'verify', '--system-config=/x'], {})).toHaveLength(1);
    expect(sudoRefusals(['node', 'main.js', 'verify', '--system-config', '/etc/e.yaml'], {})).toHaveLength(1);
    expect(sudoRefusals([], { EVIDOCK_CONFIG: '/tmp/x', EVIDOCK_ZFY_LIBRARY: '/tmp/lib.so', LD_PRELOAD: '/tmp/x.so', NODE_OPTIONS: '--require /tmp/x' }))
      .toEqual(['$EVIDOCK_CONFIG', '$EVIDOCK_ZFY_LIBRARY', '$LD_PRELOAD', '$NODE_OPTIONS']);
  });
});

describe('isLocalCommand: what runs without reaching custody', () => {
  it.each([
    [['--help'], true], [['recordings', 'list', '--help'], true], [[], true], [['help'], true],
    [['config', 'check'], true], [['--config', 'x.yaml', 'config', 'check'], true], [['sim', 'camera', 'd'], true],
    [['config', 'apply'], false], [['recordings', 'list'], false], [['--config', 'sim', 'verify'], false], [['audit', 'log'], false],
  ] as const)('%j → %s', (args, local) => {
    expect(isLocalCommand(args)).toBe(local);
  });
});
