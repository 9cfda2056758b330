// Imported first by main.ts: libuv reads UV_THREADPOOL_SIZE when its pool first starts, so it
// must be set before any asynchronous file operation. Several cameras at once need more than
// the default 4 threads, or one camera's fsyncs hold up another's reads.
process.env.UV_THREADPOOL_SIZE ??= '16';
export {};
