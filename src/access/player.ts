// Runs the configured player on a view copy and waits for it to close (the copy is removed then).
// While it runs, Ctrl-C and SIGTERM go to the player (SIGTERM forwarded) instead of killing evidock,
// so evidock always lives to remove the copy.
import { spawn } from 'node:child_process';

export function runPlayer(command: readonly string[], file: string): Promise<number> {
  const [bin, ...args] = command;
  if (!bin) return Promise.reject(new Error('access.player is empty'));
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...args, file], { stdio: 'inherit' });
    const onInt = () => { /* the terminal sent it to the player too */ };
    const onTerm = () => { child.kill('SIGTERM'); };
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    const done = () => { process.off('SIGINT', onInt); process.off('SIGTERM', onTerm); };
    child.on('error', (e) => { done(); reject(new Error(`cannot run the player ${bin}: ${e.message}`)); });
    child.on('close', (code, signal) => { done(); resolve(code ?? (signal ? 128 : 1)); });
  });
}
