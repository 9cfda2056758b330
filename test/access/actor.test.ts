// Who acts: root may name an officer with --as, anyone else is their OS account's officer.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { actorFor } from '../../src/cli/actor.js';
import { NotPermittedError } from '../../src/access/errors.js';

const config = {
  unit: { code: 'U1', name: 'unit' },
  officers: [
    { badge: '000123', name: '张伟', osUser: 'zhang', roles: ['officer' as const] },
    { badge: '000789', name: '王强', roles: ['head' as const], unit: 'U2' },
  ],
};

function cmdWith(args: string[]): Command {
  const program = new Command().option('--as <badge>').exitOverride();
  let leaf: Command | undefined;
  program.command('x').action((_o: unknown, c: Command) => { leaf = c; });
  program.parse(['node', 'evidock', ...args, 'x']);
  return leaf!;
}

describe('actorFor', () => {
  it.each([
    ['root with --as', ['--as', '000789'], { uid: 0, user: 'root' }, { badge: '000789', roles: ['head'], unit: 'U2', osUser: 'root' }],
    ['a mapped OS user', [], { uid: 1000, user: 'zhang' }, { badge: '000123', roles: ['officer'], unit: 'U1', osUser: 'zhang' }],
    ['root without --as', [], { uid: 0, user: 'root' }, { badge: 'root', roles: [], unit: 'U1' }],
  ] as const)('%s', (_what, args, who, want) => {
    expect(actorFor(cmdWith([...args]), config, who)).toMatchObject(want);
  });

  it.each([
    ['--as by a non-root user', ['--as', '000789'], { uid: 1000, user: 'zhang' }, 'not-root'],
    ['--as with an unknown badge', ['--as', '999999'], { uid: 0, user: 'root' }, 'not-in-roster'],
    ['an OS user not in the roster', [], { uid: 1001, user: 'mallory' }, 'not-in-roster'],
  ] as const)('refuses %s', (_what, args, who, code) => {
    let err: unknown;
    try { actorFor(cmdWith([...args]), config, who); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(NotPermittedError);
    expect(err).toMatchObject({ code, exitCode: 4 });
  });
});
