// The camera simulator used by tests, the demo and the benchmark.
export { createCameraVolume, volumeLabel, LABEL_SIDECAR, type SimFile, type SimResult, type VolumeTarget } from './volume.js';
export { createCameraImage, imageSize, IMAGE_FILESYSTEMS, type ImageFs, type ImageOptions } from './image.js';
export {
  resolveSimOptions, PERSONALITIES, SIM_NAMES, SimUsageError, randomSerial, randomBadge,
  type Personality, type SimOptions, type GapSpec, type ResolvedSimOptions,
} from './options.js';
export { planCameraVolume, identityFileText, identityFileName, zfyStateText, fileName, MEDIA_DIR, type PlannedFile, type SimFileKind } from './plan.js';
export { bootTimesetCamera } from './timeset.js';
export { fileStamp, offsetMinutes, type Timezone } from './clock.js';
