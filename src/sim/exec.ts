// Runs the filesystem tools the image builder needs (mkfs, mtools, losetup, FUSE), with the
// tool's own complaint in the error.
import { execFile } from 'node:child_process';

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, {
      cwd: opts.cwd, env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? 120_000,
      killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, encoding: 'utf8',
    }, (err, stdout, stderr) => {
      if (err) {
        const detail = (stderr || err.message).trim().split('\n').slice(-3).join(' | ');
        reject(new Error(`${cmd} ${args.join(' ')} failed: ${detail}`));
      } else {
        resolve(stdout);
      }
    });
  });
}
