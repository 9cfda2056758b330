import { describe, expect, it } from 'vitest';
import { fsInfoFromBlkid, parseBlkidExport } from '../../src/dock/blkid.js';
import { parseMountinfo, parseProcFilesystems } from '../../src/dock/mountinfo.js';
import { fuseMountCommand, kernelMountCommand, normaliseFstype } from '../../src/dock/mount.js';
import { fixture } from './helpers.js';

const info = (file: string) => {
  const rec = parseBlkidExport(fixture(`lsblk/${file}`))[0];
  return rec ? fsInfoFromBlkid(rec) : undefined;
};

describe('blkid -p -o export (recorded)', () => {
  it('FAT32 superfloppy', () => {
    expect(info('blkid-p-export-fat.txt')).toEqual({
      device: '/dev/loop0', fstype: 'vfat', label: 'CAMTEST', uuid: '1A2B-3C4D', version: 'FAT32', usage: 'filesystem',
    });
  });
  it('exFAT: TYPE wins over the PTTYPE=dos its boot signature also produces', () => {
    expect(info('blkid-p-export-exfat.txt')).toMatchObject({ fstype: 'exfat', label: 'BODYCAM', uuid: '7B7F-9EC0', partitionTable: 'dos' });
  });
  it('FAT32 partition reached through a loop offset', () => {
    expect(info('blkid-p-export-part.txt')).toMatchObject({ fstype: 'vfat', label: 'DSJ_V1' });
  });
  it('blank device: no output, no record', () => {
    expect(parseBlkidExport(fixture('lsblk/blkid-p-export-blank.txt'))).toEqual([]);
  });
  it('the cached (no -p) answer for the same blank device is stale, which is why probing uses -p', () => {
    expect(info('blkid-cached-export-blank-stale.txt')).toMatchObject({ fstype: 'vfat', label: 'CAMTEST' });
  });
});

describe('parseBlkidExport', () => {
  it('splits several devices and unescapes shell escapes', () => {
    const recs = parseBlkidExport('DEVNAME=/dev/sda1\nLABEL=MY\\ CAM\\ 01\nTYPE=vfat\n\nDEVNAME=/dev/sdb\nPTUUID=5a4d0c41\nPTTYPE=dos\n');
    expect(recs).toHaveLength(2);
    expect(fsInfoFromBlkid(recs[0] ?? {})).toEqual({ device: '/dev/sda1', label: 'MY CAM 01', fstype: 'vfat' });
    expect(fsInfoFromBlkid(recs[1] ?? {})).toEqual({ device: '/dev/sdb', partitionTable: 'dos' });
  });
});

describe('mountinfo and /proc/filesystems', () => {
  const text = [
    '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
    '42 27 0:39 / /tmp/dock-udev/m1 ro,nosuid,nodev,noexec,relatime - fuse.fusefat fusefat ro,user_id=0,group_id=0',
    '43 27 7:1 / /tmp/cam\\040one ro,nosuid,nodev,relatime - fuseblk /dev/loop1 ro,user_id=0,group_id=0,default_permissions,allow_other,blksize=4096',
    '',
  ].join('\n');
  it('reads mount points (octal escapes), options and sources', () => {
    const m = parseMountinfo(text);
    expect(m.map((e) => e.mountpoint)).toEqual(['/', '/tmp/dock-udev/m1', '/tmp/cam one']);
    expect(m[1]).toMatchObject({ fstype: 'fuse.fusefat', source: 'fusefat' });
    expect(m[1]?.options).toContain('ro');
    expect(m[2]).toMatchObject({ fstype: 'fuseblk', source: '/dev/loop1' });
  });
  it('lists file systems, nodev or not', () => {
    const fs = parseProcFilesystems('nodev\tsysfs\n\text4\nnodev\tfuse\n\tfuseblk\n');
    expect([...fs]).toEqual(['sysfs', 'ext4', 'fuse', 'fuseblk']);
  });
});

describe('mount commands are read-only', () => {
  it.each([
    ['vfat', 'vfat'], ['FAT32', 'vfat'], ['msdos', 'vfat'], ['exfat', 'exfat'], ['ntfs', 'ntfs'], ['ntfs3', 'ntfs'],
    ['ext4', undefined], ['iso9660', undefined],
  ])('normaliseFstype(%s) = %s', (t, want) => expect(normaliseFstype(t)).toBe(want));

  it.each(['vfat', 'exfat', 'ntfs'] as const)('%s over FUSE and in the kernel carries ro', (fs) => {
    const f = fuseMountCommand(fs, '/dev/sdz1', '/mnt/x');
    expect(f.args.slice(0, 2)).toEqual(['-o', 'ro,nosuid,nodev,noexec']);
    expect(f.args).not.toContain('rw+');
    expect(kernelMountCommand(fs, '/dev/sdz1', '/mnt/x').args).toEqual(['-t', fs, '-o', 'ro,nosuid,nodev,noexec', '/dev/sdz1', '/mnt/x']);
  });
});
