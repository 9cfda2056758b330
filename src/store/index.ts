// Public surface of the object store. Other modules import from 'src/store/index.js'.
export { ObjectStore, type IngestResult, type ObjectCheck } from './object-store.js';
export { AbortError, SourceError, StoreError, type SourceErrorCode, type StoreErrorCode } from './errors.js';
export type { CopyOptions } from './copy.js';
export {
  parseSample,
  pickSample,
  sampleSize,
  verifyStore,
  SampleError,
  type FixityOptions,
  type FixityResult,
  type Sample,
  type SampleSpec,
} from './fixity.js';
export { SpaceGate, roomFor, type SpaceOptions, type Reservation, type SpaceHooks } from './space.js';
export { fingerprintHandle, FINGERPRINT_SPAN } from './fingerprint.js';
export { storePipelineHealthy, hashFileOffThread, HashPool, HashWorkerDied } from './hash-worker.js';
export { retireObject, retiredDir, sweepRetired, type SweepResult } from './retire.js';
export { offloadObject } from './offload.js';
