// Guest-side views of plugged USB disks: sysfs polling (fast, no udev needed) and lsblk.
import type { Guest } from './guest.js';

// USB disk /sys/block/sdX/device is the SCSI device; four levels up is the USB device with `serial`.
const WAIT_DISK = `
s=$1; n=$2; i=0
while [ "$i" -lt "$n" ]; do
  for d in /sys/block/sd*; do
    [ -e "$d/device" ] || continue
    v=; { read -r v <"$d/device/../../../../serial"; } 2>/dev/null
    if [ "$v" = "$s" ] && [ -b "/dev/\${d##*/}" ]; then echo "\${d##*/}"; exit 0; fi
  done
  usleep 20000; i=$((i+1))
done
exit 1`;

/** Waits until a block device of the USB device with this iSerial exists; returns its name (sda). */
export async function waitForUsbDisk(guest: Guest, serial: string, timeoutMs = 30_000): Promise<string> {
  const r = await guest.exec(['/bin/sh', '-c', WAIT_DISK, 'wait-disk', serial, String(Math.ceil(timeoutMs / 20))], { timeoutMs: timeoutMs + 5_000 });
  if (r.code !== 0) throw new Error(`no USB disk with serial ${serial} within ${timeoutMs} ms\n${guest.consoleTail(15)}`);
  return r.stdout.trim();
}

/** Waits until /dev/<name> and /sys/block/<name> are gone. */
export async function waitForDiskGone(guest: Guest, name: string, timeoutMs = 15_000): Promise<void> {
  const n = Math.ceil(timeoutMs / 20);
  const r = await guest.sh(`i=0; while [ -e /sys/block/${name} ] || [ -e /dev/${name} ]; do [ $i -ge ${n} ] && exit 1; usleep 20000; i=$((i+1)); done`, { timeoutMs: timeoutMs + 5_000 });
  if (r.code !== 0) throw new Error(`/dev/${name} still present after ${timeoutMs} ms`);
}

export async function settle(guest: Guest, timeoutS = 30): Promise<void> {
  await guest.exec(['udevadm', 'settle', `--timeout=${timeoutS}`], { timeoutMs: timeoutS * 1000 + 5_000, check: true });
}

export interface LsblkDevice {
  name: string;
  [column: string]: unknown;
  children?: LsblkDevice[];
}

/** `lsblk -J <args>` parsed (default all columns). */
export async function lsblk(guest: Guest, args: string[] = ['-O']): Promise<LsblkDevice[]> {
  const r = await guest.exec(['lsblk', '-J', ...args], { check: true });
  return (JSON.parse(r.stdout) as { blockdevices: LsblkDevice[] }).blockdevices;
}

/** Entries of /sys/bus/usb/devices (e.g. usb1, 2-1, 2-1:1.0). */
export async function usbSysDevices(guest: Guest): Promise<string[]> {
  const r = await guest.exec(['ls', '-1', '/sys/bus/usb/devices'], { check: true });
  return r.stdout.split('\n').filter(Boolean).sort();
}
