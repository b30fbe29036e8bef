// Browsers and their helpers must not outlive the test process, however it ends: vitest stops its
// workers with SIGTERM (no 'exit' handler runs) and SIGKILL after 500 ms. A small shell reads a pipe
// from this process and kills the given process when the pipe closes, which the kernel does for us.
import { spawn } from 'node:child_process';

/** Kills pid (SIGTERM) when this process ends, or when the returned function is called. */
export function killWithThisProcess(pid: number): () => void {
  const watchdog = spawn('/bin/sh', ['-c', 'while read -r _; do :; done; kill "$1" 2>/dev/null', 'watchdog', String(pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.stdin!.on('error', () => undefined);
  // Neither the watchdog nor its pipe keeps this process alive.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref(): void }).unref();
  return () => watchdog.stdin!.end();
}
