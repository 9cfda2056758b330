// Public surface of the media adapter (the only module that runs ffmpeg/ffprobe).
export { probeMedia, parseFfprobeJson, MediaProbeError, type MediaInfo, type MediaStream } from './probe.js';
export { makeClip, makeAudio, makePhoto, restampMedia, type ClipOptions, type AudioOptions, type PhotoOptions } from './generate.js';
export { readTopLevelBoxes, type Mp4Box } from './mp4-boxes.js';
export { runTool, toolRuns, MediaToolError, type MediaTool } from './run.js';
export { readMediaInfo, readMediaInfoFast, probeFallback, readKnownFormat, type ReadMediaOptions, type FastReading } from './read-info.js';
export { bufferSource, openFileSource, type ByteSource } from './byte-source.js';
export { runToolBinary } from './run.js';
export {
  decodeFrameRgb, findCjkFont, tagAudio, watermarkLayout, watermarkPhoto, watermarkVideo, WatermarkError, KNOWN_CJK_FONTS,
  type RgbFrame, type WatermarkInput, type WatermarkLayout,
} from './watermark.js';
