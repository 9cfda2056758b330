// The QEMU USB test bed: boot a guest with a real Linux USB stack and hot-plug camera images.
export { startGuest, Guest, type StartGuestOptions, type ExecOptions, type WaitOptions, type GuestTimings } from './guest.js';
export { canStartQemu, type CanStart } from './can-start.js';
export { buildTestbed, REPO_ROOT, type TestbedArtefacts, type BuildOptions } from './build.js';
export { QmpClient, QmpError, type QmpEvent } from './qmp.js';
export { AgentClient, AgentError, type ExecResult } from './agent.js';
export { GuestProcess, type ProcessState, type SpawnOptions } from './process.js';
export { UsbBus, type UsbStorageSpec, type UsbBotScsiSpec } from './usb.js';
export { stopAllGuests } from './registry.js';
export { makeFatImage, makeExfatImage, fillFat, type CameraFile, type ImageOptions } from './images.js';
export { waitForUsbDisk, waitForDiskGone, settle, lsblk, usbSysDevices, type LsblkDevice } from './guest-usb.js';
export { GuestEvidock, GUEST_EVIDOCK, type LogEntry, type MountEntry, type SessionLog } from './evidock.js';
export { buildSystemdTestbed, startSystemdGuest, SYSTEMD_BUILD_SCRIPT, type SystemdArtefacts } from './systemd-guest.js';
