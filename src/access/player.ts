// Runs the configured player on a view copy and waits for it to close (the copy is removed then).
import { spawn } from 'node:child_process';

export function runPlayer(command: readonly string[], file: string): Promise<number> {
  const [bin, ...args] = command;
  if (!bin) return Promise.reject(new Error('access.player is empty'));
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...args, file], { stdio: 'inherit' });
    child.on('error', (e) => reject(new Error(`cannot run the player ${bin}: ${e.message}`)));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
