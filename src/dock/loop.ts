// Loop devices for camera images (tests, demo, includeLoopDevices): read-only unless asked.
import { run, sleep, ToolError } from './exec.js';

export interface LoopDevice {
  device: string;
  detach(): Promise<void>;
}

export interface AttachOptions {
  /** Default true: a camera image is evidence too. */
  readOnly?: boolean;
  /**
   * Byte offset of the file system, e.g. 1048576 for the first MBR partition. Partition scanning
   * (`-P`) is no help on kernels built without CONFIG_MSDOS_PARTITION (this build host).
   */
  offset?: number;
  sizeLimit?: number;
}

export async function attachLoop(image: string, opts: AttachOptions = {}): Promise<LoopDevice> {
  const args = ['-f', '--show'];
  if (opts.readOnly !== false) args.push('-r');
  if (opts.offset !== undefined) args.push('-o', String(opts.offset));
  if (opts.sizeLimit !== undefined) args.push('--sizelimit', String(opts.sizeLimit));
  args.push(image);
  // Two processes attaching at once can be handed the same free device; the loser gets EBUSY.
  let r = await run('losetup', args, { timeoutMs: 30_000 });
  for (let i = 0; i < 10 && r.code !== 0 && /busy|failed to set up loop device/i.test(r.stderr); i++) {
    await sleep(50 + Math.floor(Math.random() * 100));
    r = await run('losetup', args, { timeoutMs: 30_000 });
  }
  if (r.code !== 0) throw new ToolError('losetup', args, r);
  const device = r.stdout.trim();
  if (!device.startsWith('/dev/')) throw new Error(`losetup printed no device for ${image}: ${r.stdout}`);
  let detached = false;
  return {
    device,
    async detach() {
      if (detached) return;
      // A FUSE daemon may still be closing the device right after its unmount: retry briefly.
      for (let i = 0; ; i++) {
        const d = await run('losetup', ['-d', device], { timeoutMs: 30_000 });
        if (d.code === 0 || /No such device|not a loop|No such file/i.test(d.stderr)) break;
        if (i >= 10) throw new ToolError('losetup', ['-d', device], d);
        await sleep(100);
      }
      detached = true;
    },
  };
}
