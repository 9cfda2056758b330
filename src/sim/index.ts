// The camera simulator used by tests, the demo and the benchmark.
export { createCameraVolume, type SimFile, type SimResult } from './volume.js';
export { createCameraImage, imageSize, IMAGE_FILESYSTEMS, type ImageFs, type ImageOptions } from './image.js';
export {
  resolveSimOptions, PERSONALITIES, SimUsageError, randomSerial, randomBadge,
  type Personality, type SimOptions, type GapSpec, type ResolvedSimOptions,
} from './options.js';
export { planCameraVolume, identityFileText, MEDIA_DIR, type PlannedFile, type SimFileKind } from './plan.js';
export { fileStamp, offsetMinutes, type Timezone } from './clock.js';
