// The roster in custody: synced from the YAML, each change audited, removed → inactive (history kept).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCustody, type Custody } from '../../src/custody/index.js';
import { rosterFromConfig, syncRoster } from '../../src/access/roster-sync.js';
import { configSchema } from '../../src/config/schema.js';
import { tempDir } from '../custody/helpers.js';
import { runCli } from '../helpers/cli.js';
import fs from 'node:fs';
import path from 'node:path';

let tmp: ReturnType<typeof tempDir>;
let custody: Custody;
beforeEach(() => { tmp = tempDir(); custody = openCustody(tmp.dir); });
afterEach(() => { custody.close(); tmp.cleanup(); });

const config = (over: Record<string, unknown> = {}) => configSchema.parse({
  unit: { code: 'CITY', name: 'City' },
  units: [{ code: 'EAST', name: 'East', parent: 'CITY' }],
  officers: [
    { badge: 'A00001', name: 'A', osUser: 'alice', roles: ['officer'], unit: 'EAST' },
    { badge: 'B00002', name: 'B', osUser: 'bob', roles: ['custodian'] },
  ],
  devices: [{ serial: 'CAM0001', badge: 'A00001' }],
  ...over,
});

describe('roster sync', () => {
  it('writes units with their parent, officers with their unit, roster devices; each change audited', () => {
    const changes = syncRoster(custody, config());
    expect(changes.map((c) => `${c.kind} ${c.key} ${c.change}`)).toEqual([
      'unit CITY added', 'unit EAST added', 'officer A00001 added', 'officer B00002 added', 'device CAM0001 added']);
    expect(custody.getRoster()).toMatchObject({
      units: [{ code: 'CITY', parent: null, active: true }, { code: 'EAST', parent: 'CITY', active: true }],
      officers: [{ badge: 'A00001', osUser: 'alice', unit: 'EAST', roles: ['officer'] }, { badge: 'B00002', unit: 'CITY', roles: ['custodian'] }],
      devices: [{ serial: 'CAM0001', badge: 'A00001', active: true }],
    });
    expect(custody.listAudit({ event: 'roster.officer.add' }).map((e) => (e.payload as { key: string }).key)).toEqual(['A00001', 'B00002']);
    expect(syncRoster(custody, config())).toEqual([]); // nothing changed, nothing audited
  });

  it('someone removed from the YAML becomes inactive and loses the OS user; their history stays', () => {
    syncRoster(custody, config());
    const next = config({ officers: [{ badge: 'B00002', name: 'B', osUser: 'alice', roles: ['custodian', 'head'] }], devices: [] });
    const changes = syncRoster(custody, next);
    expect(changes.map((c) => `${c.kind} ${c.key} ${c.change}`)).toEqual(['officer A00001 deactivated', 'officer B00002 changed', 'device CAM0001 deactivated']);
    const r = custody.getRoster();
    expect(r.officers).toMatchObject([{ badge: 'A00001', active: false, osUser: null }, { badge: 'B00002', active: true, osUser: 'alice', roles: ['custodian', 'head'] }]);
    expect(r.devices).toMatchObject([{ serial: 'CAM0001', active: false }]);
    const change = custody.listAudit({ event: 'roster.officer.change' })[0]!.payload as { before: { osUser: string }; after: { osUser: string } };
    expect(change.before.osUser).toBe('bob');
    expect(change.after.osUser).toBe('alice');
    // Back in the YAML: active again.
    syncRoster(custody, config());
    expect(custody.getRoster().officers.every((o) => o.active)).toBe(true);
  });

  it('names an officer whose unit is not a unit', () => {
    expect(() => syncRoster(custody, config({ officers: [{ badge: 'C00003', name: 'C', unit: 'NOPE' }] }))).toThrow(/officer C00003 names unit NOPE/);
    expect(custody.getRoster().officers).toEqual([]); // one transaction: nothing half-written
  });

  it('rosterFromConfig: the station\'s unit first, officers default to it', () => {
    const r = rosterFromConfig(config({ officers: [{ badge: 'D00004', name: 'D' }] }));
    expect(r.units[0]).toEqual({ code: 'CITY', name: 'City', parent: null });
    expect(r.officers[0]).toMatchObject({ unit: 'CITY', osUser: null, roles: ['officer'] });
  });
});

describe('evidock config apply', () => {
  it('syncs the YAML (root: admin rights) and prints the changes', () => {
    const dir = path.join(tmp.dir, 'cli');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'evidock.yaml');
    fs.writeFileSync(file, 'dataDir: data\nofficers:\n  - {badge: A00001, name: A, osUser: alice}\n');
    const r = runCli(['--config', file, 'config', 'apply', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).changes).toEqual([]); // the first use already synced the roster
    fs.writeFileSync(file, 'dataDir: data\nofficers:\n  - {badge: A00001, name: A, osUser: alice}\n  - {badge: B00002, name: B}\n');
    const again = runCli(['--config', file, 'config', 'apply', '--json']);
    expect(JSON.parse(again.stdout).changes).toEqual([{ kind: 'officer', key: 'B00002', change: 'added' }]);
    const log = JSON.parse(runCli(['--config', file, 'audit', 'log', '--event', 'roster.officer.add', '--json']).stdout) as { actor: string; osUser: string }[];
    expect(log.at(-1)).toMatchObject({ actor: 'root', osUser: 'root' });
  });
});
