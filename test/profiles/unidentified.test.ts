import { describe, expect, it } from 'vitest';
import { isUnidentified, unidentifiedIdentity } from '../../src/profiles/unidentified.js';

describe('unidentifiedIdentity', () => {
  it.each([
    ['USB serial first', { serial: '0123456789AB', uuid: '1234-ABCD', fstype: 'vfat' }, 'UNKNOWN-USB-0123456789AB', 'usb-serial'],
    ['FAT volume serial number', { uuid: '1234-abcd', fstype: 'vfat' }, 'UNKNOWN-VOLSN-1234-ABCD', 'volume-serial'],
    ['exFAT volume serial number', { uuid: 'B0C2-1F3E', fstype: 'exfat', partUuid: 'aa-01' }, 'UNKNOWN-VOLSN-B0C2-1F3E', 'volume-serial'],
    ['another file system UUID', { uuid: '0f1e2d3c-aaaa-bbbb-cccc-001122334455', fstype: 'ntfs' }, 'UNKNOWN-FSUUID-0f1e2d3c-aaaa-bbbb-cccc-001122334455', 'fs-uuid'],
    ['partition UUID', { partUuid: '5e8c1a2b-01' }, 'UNKNOWN-PART-5e8c1a2b-01', 'partition-uuid'],
    ['hostile USB serial: reduced to safe characters', { serial: '\u001b[31m; rm -rf /' }, 'UNKNOWN-USB-_31m_rm_-rf_', 'usb-serial'],
  ])('%s', (_n, device, serial, evidence) => {
    expect(unidentifiedIdentity(device, '/media/x')).toMatchObject({ serial, evidence });
  });

  it('a plain directory: by its path, so two directories are two devices', () => {
    const a = unidentifiedIdentity({}, '/srv/copies/a');
    const b = unidentifiedIdentity({}, '/srv/copies/b');
    expect(a.serial).toMatch(/^UNKNOWN-DIR-[0-9A-F]{12}$/);
    expect(a.serial).not.toBe(b.serial);
    expect(unidentifiedIdentity({}, '/srv/copies/a').serial).toBe(a.serial);
  });

  it.each([['UNKNOWN', true], ['UNKNOWN-VOLSN-1234-ABCD', true], ['UNKNOWNX', false], ['ABC1234', false]])('isUnidentified(%s) = %s',
    (s, want) => expect(isUnidentified(s)).toBe(want));
});
