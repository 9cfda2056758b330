// After a file fails to read: is it that file, or is the camera going away? A card that dies
// (a truncated image, a failing flash chip) shows through FUSE as EACCES or EIO on each file,
// not as one clear error; reading the volume's root and the device's first and last blocks tells.
import { open, readdir } from 'node:fs/promises';

export interface VolumeDevice { path?: string | undefined; size?: number | undefined }

async function readBlock(path: string, offset: number): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.read(Buffer.alloc(4096), 0, 4096, offset);
  } finally {
    await fh.close();
  }
}

export async function volumeStillReadable(root: string, device?: VolumeDevice): Promise<boolean> {
  try {
    await readdir(root);
    if (device?.path) {
      await readBlock(device.path, 0);
      if (device.size && device.size > 4096) await readBlock(device.path, device.size - 4096);
    }
    return true;
  } catch {
    return false;
  }
}
