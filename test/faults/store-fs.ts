// A store on its own small ext4 file system (an image on a loop device) for fault tests. The
// store's disk "fails" through the ext4 shutdown ioctl (what xfstests uses): with NOLOGFLUSH every
// later I/O returns EIO and nothing not yet durable survives, as when a disk dies. Unmounting and
// mounting again replays the journal: what was durable is what is there.
// (This kernel has no device-mapper; in the QEMU guest the power-loss suite uses dm-flakey.)
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { attachLoop, type LoopDevice } from '../../src/dock/loop.js';

export function missingForStoreFs(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (loop device, mount)';
  for (const t of ['losetup', 'mkfs.ext4', 'mount', 'cc']) {
    if (spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0) return `needs ${t}`;
  }
  if (!fs.readFileSync('/proc/filesystems', 'utf8').includes('ext4')) return 'needs ext4 in the kernel';
  return undefined;
}

const SHUTDOWN_C = `
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <linux/types.h>
#define EXT4_IOC_SHUTDOWN _IOR('X', 125, __u32)
int main(int argc, char **argv) {
  int fd = open(argv[1], O_RDONLY);
  __u32 flags = 2; /* EXT4_GOING_FLAGS_NOLOGFLUSH: like a dead disk */
  if (fd < 0 || ioctl(fd, EXT4_IOC_SHUTDOWN, &flags) != 0) { perror("shutdown"); return 1; }
  return 0;
}`;

const sh = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
};

export interface StoreFs { mnt: string; fail(): void; remount(): void; close(): Promise<void> }

export async function makeStoreFs(dir: string, sizeMiB: number): Promise<StoreFs> {
  const image = path.join(dir, 'store.img');
  fs.writeFileSync(image, '');
  fs.truncateSync(image, sizeMiB << 20);
  sh('mkfs.ext4', ['-q', '-F', '-m', '0', image]);
  const loop: LoopDevice = await attachLoop(image, { readOnly: false });
  const mnt = path.join(dir, 'mnt');
  fs.mkdirSync(mnt);
  sh('mount', [loop.device, mnt]);
  let mounted = true;
  const tool = path.join(dir, 'ext4-shutdown');
  fs.writeFileSync(`${tool}.c`, SHUTDOWN_C);
  sh('cc', ['-o', tool, `${tool}.c`]);
  return {
    mnt,
    fail: () => sh(tool, [mnt]),
    remount() {
      if (mounted) { sh('umount', [mnt]); mounted = false; }
      sh('mount', [loop.device, mnt]);
      mounted = true;
    },
    async close() {
      if (mounted) spawnSync('umount', [mnt]);
      await loop.detach();
    },
  };
}
