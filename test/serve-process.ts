// `gridsettle serve` as a child process for the suites that test the real
// server: started on port 0, resolved once its log says where it listens.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

export const CLI = new URL('../host/cli/main.js', import.meta.url).pathname;

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  baseUrl: string;
  /** Resolves on the first log line whose msg matches. */
  logged(pattern: RegExp): Promise<void>;
}

export async function startServe(args: string[], env: NodeJS.ProcessEnv): Promise<ServeProcess> {
  // The 503 event-loop guard is off unless a test sets it: a loaded CI machine stalls a fresh process's loop.
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { env: { GRIDSETTLE_INGEST_MAX_LOOP_DELAY_MS: '0', ...env } });
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  let baseUrl: string | null = null;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`serve exited with ${code} before listening: ${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const msg = String((JSON.parse(line) as { msg?: unknown }).msg ?? '');
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(msg);
      if (match !== null && baseUrl === null) {
        baseUrl = match[1]!;
        resolve();
      }
      for (const waiter of waiters.filter((candidate) => candidate.pattern.test(msg))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    });
  });
  await ready;
  return {
    child, baseUrl: baseUrl!,
    logged: (pattern) => new Promise((resolve) => waiters.push({ pattern, resolve })),
  };
}
