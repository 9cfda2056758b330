// Docking, block-device side: what other modules (the daemon, the demo) import.
export { parseLsblkJson, cameraCandidates, listBlockDevices, CAMERA_FILESYSTEMS } from './lsblk.js';
export type { BlockDevice, BlockType, CameraCandidate, CandidateOptions } from './lsblk.js';
export { parseBlkidExport, fsInfoFromBlkid, probeFilesystem } from './blkid.js';
export type { FsInfo } from './blkid.js';
export { UdevMonitorParser, parseUdevMonitor, blockEventInfo, decodeUdevEnc, watchUdev } from './udev.js';
export type { UdevEvent, BlockEventInfo, UdevWatch, WatchUdevOptions } from './udev.js';
export { mountReadOnly, normaliseFstype, RO_OPTIONS } from './mount.js';
export type { Mounted, MountMethod, MountOptions, CameraFs } from './mount.js';
export { attachLoop } from './loop.js';
export type { LoopDevice, AttachOptions } from './loop.js';
export { watchMountRoots, topLevelDir } from './mountwatch.js';
export type { MountWatcher, MountWatchOptions, VolumeEvent } from './mountwatch.js';
export { parseMountinfo, parseProcFilesystems, mountAt } from './mountinfo.js';
export type { MountEntry } from './mountinfo.js';
export type { DockLog } from './exec.js';
