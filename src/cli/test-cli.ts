import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs `npm run cli -- <args>` the way a script would; never throws. */
export async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npx', ['vite-node', 'src/cli/main.ts', '--', ...args], { timeout: 600_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The one-line reasons a failed command printed. */
export const reason = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error: '));
