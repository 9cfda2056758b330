// Hot-plug of camera images as USB mass storage on the guest's xHCI controller, over QMP
// (the recipes measured in scripts/usb-testbed/README.md, "Facts it relies on").
import { QmpError, type QmpClient } from './qmp.js';

export interface UsbStorageSpec {
  /** QOM id of the USB device (also names its block node `${id}-drv`). */
  id: string;
  /** Host image file (raw). */
  image: string;
  /** USB iSerial: what udev reports as ID_SERIAL_SHORT and lsblk as SERIAL. */
  serial: string;
  /** Attach write-protected (the guest sees RO=1). Default false, like a real camera. */
  readOnly?: boolean;
}

export interface UsbBotScsiSpec extends UsbStorageSpec {
  /** SCSI INQUIRY vendor (8 chars max) and product (16 chars max): lsblk VENDOR / MODEL. */
  vendor: string;
  product: string;
}

interface Plugged { id: string; node: string; children: string[] }

export class UsbBus {
  private readonly plugged = new Map<string, Plugged>();

  constructor(private readonly qmp: QmpClient) {}

  /** Ids currently plugged, in plug order. */
  list(): string[] {
    return [...this.plugged.keys()];
  }

  /** Plain usb-storage: QEMU's own SCSI strings (QEMU / QEMU HARDDISK). */
  async plugUsbStorage(spec: UsbStorageSpec): Promise<void> {
    const node = await this.addBlock(spec);
    try {
      await this.qmp.execute('device_add', {
        driver: 'usb-storage', bus: 'xhci.0', drive: node, serial: spec.serial, removable: true, id: spec.id,
      });
    } catch (e) {
      await this.qmp.execute('blockdev-del', { 'node-name': node }).catch(() => {});
      throw e;
    }
    this.plugged.set(spec.id, { id: spec.id, node, children: [] });
  }

  /** usb-bot with a scsi-hd carrying the camera's SCSI vendor/model; attached once complete. */
  async plugUsbBotScsi(spec: UsbBotScsiSpec): Promise<void> {
    if (spec.vendor.length > 8 || spec.product.length > 16) throw new Error('SCSI vendor is 8 chars max, product 16');
    const node = await this.addBlock(spec);
    const lun = `${spec.id}-lun0`;
    try {
      await this.qmp.execute('device_add', { driver: 'usb-bot', bus: 'xhci.0', id: spec.id, serial: spec.serial });
      await this.qmp.execute('device_add', {
        driver: 'scsi-hd', bus: `${spec.id}.0`, drive: node, vendor: spec.vendor, product: spec.product, removable: true, id: lun,
      });
      await this.qmp.execute('qom-set', { path: `/machine/peripheral/${spec.id}`, property: 'attached', value: true });
    } catch (e) {
      await this.qmp.execute('device_del', { id: spec.id }).catch(() => {});
      await this.retryBlockdevDel(node).catch(() => {});
      throw e;
    }
    this.plugged.set(spec.id, { id: spec.id, node, children: [lun] });
  }

  /** device_del, wait for DEVICE_DELETED of the device (and its SCSI child), then blockdev-del. */
  async unplug(id: string, timeoutMs = 15_000): Promise<void> {
    const p = this.plugged.get(id);
    if (!p) throw new Error(`no plugged USB device ${id}`);
    const gone = [id, ...p.children].map((dev) =>
      this.qmp.waitEvent('DEVICE_DELETED', (e) => e.data?.device === dev, timeoutMs));
    await this.qmp.execute('device_del', { id });
    await Promise.all(gone);
    this.plugged.delete(id);
    await this.retryBlockdevDel(p.node);
  }

  async unplugAll(): Promise<void> {
    for (const id of this.list().reverse()) await this.unplug(id);
  }

  private async addBlock(spec: UsbStorageSpec): Promise<string> {
    if (this.plugged.has(spec.id)) throw new Error(`USB device ${spec.id} is already plugged`);
    const node = `${spec.id}-drv`;
    const ro = spec.readOnly === true;
    await this.qmp.execute('blockdev-add', {
      driver: 'raw', 'node-name': node, 'read-only': ro,
      file: { driver: 'file', filename: spec.image, 'read-only': ro },
    });
    return node;
  }

  // The block node can stay busy for a moment after DEVICE_DELETED while the device finalizes.
  private async retryBlockdevDel(node: string): Promise<void> {
    for (let i = 0; ; i++) {
      try {
        await this.qmp.execute('blockdev-del', { 'node-name': node });
        return;
      } catch (e) {
        if (!(e instanceof QmpError) || i >= 20) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}
