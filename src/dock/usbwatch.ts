// USB hotplug through the `usb` package, v3 API (WebUSB-style `connect`/`disconnect` events on
// the default `usb` object). Why v3: its native part is a prebuilt N-API binary shipped as an npm
// optional package (no libusb, no node-gyp, installs offline from the registry), and on Linux it
// reads vendor/product/serial from sysfs without opening the device — a mass-storage camera is
// claimed by usb-storage, so opening it (v2's libusb route for string descriptors) would fail.
// USB only says "a camera-like device arrived": the files come through its block device, so an
// attach makes the block watcher look again at once instead of at its next poll.
import fs from 'node:fs';
import { EventEmitter } from 'node:events';
import type { Profile } from '../config/schema.js';

/** The fields we read of a v3 `UsbDevice` (declared in the package's root index.d.ts). */
interface UsbDeviceLike { vendorId: number; productId: number; bus: string; ports: number[]; serialNumber: string | null; manufacturerName: string | null; productName: string | null }

export interface UsbArrival { vid: string; pid: string; serial?: string; manufacturer?: string; product?: string; bus: string; ports: number[]; profile?: string }

export interface UsbWatcher extends EventEmitter { close(): Promise<void>; available: boolean }

const hex4 = (n: number) => n.toString(16).padStart(4, '0');

/** Which profile claims a USB id (pure). */
export function profileForUsbId(profiles: Profile[], vid: string, pid: string): string | undefined {
  const v = vid.toLowerCase();
  const p = pid.toLowerCase();
  return profiles.find((pr) => pr.match.usb.some((u) => u.vid.toLowerCase() === v && u.pid.toLowerCase() === p))?.name;
}

export async function watchUsb(profiles: Profile[], log: { warn(m: string): void; info(m: string): void }, sysUsb = '/sys/bus/usb'): Promise<UsbWatcher> {
  const em = new EventEmitter() as UsbWatcher;
  em.available = false;
  em.close = async () => {};
  if (!fs.existsSync(sysUsb)) {
    log.warn(`no USB on this host (${sysUsb} absent): USB hotplug detection is off; block devices and mount roots are still watched`);
    return em;
  }
  let usbMod: typeof import('usb');
  try {
    usbMod = await import('usb');
  } catch (err) {
    log.warn(`USB hotplug unavailable (${(err as Error).message}); block devices and mount roots are still watched`);
    return em;
  }
  const { usb } = usbMod;
  const describe = (d: UsbDeviceLike): UsbArrival => {
    const vid = hex4(d.vendorId);
    const pid = hex4(d.productId);
    const a: UsbArrival = { vid, pid, bus: d.bus, ports: d.ports };
    try { if (d.serialNumber) a.serial = d.serialNumber; } catch { /* unreadable string descriptor */ }
    try { if (d.manufacturerName) a.manufacturer = d.manufacturerName; } catch { /* idem */ }
    try { if (d.productName) a.product = d.productName; } catch { /* idem */ }
    const profile = profileForUsbId(profiles, vid, pid);
    if (profile) a.profile = profile;
    return a;
  };
  const onConnect = (ev: Event) => em.emit('attach', describe((ev as unknown as { device: UsbDeviceLike }).device));
  const onDisconnect = (ev: Event) => em.emit('detach', describe((ev as unknown as { device: UsbDeviceLike }).device));
  usb.addEventListener('connect', onConnect);
  usb.addEventListener('disconnect', onDisconnect);
  em.available = true;
  em.close = async () => {
    usb.removeEventListener('connect', onConnect);
    usb.removeEventListener('disconnect', onDisconnect);
  };
  log.info('USB hotplug detection on');
  return em;
}
