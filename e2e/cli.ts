import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const CLI = ['vite-node', 'src/cli/main.ts', '--'];

/** Runs the lab's CLI in Node (the same engine on Dawn) and returns its stdout. */
export function cli(...args: string[]): string {
  return execFileSync('npx', [...CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 300_000 });
}

/** The CLI in a process of its own, without blocking this one (which may be serving the page's files); its stdout. */
export async function cliInBackground(...args: string[]): Promise<string> {
  return (await promisify(execFile)('npx', [...CLI, ...args], { encoding: 'utf8', timeout: 600_000 })).stdout;
}

/** The last JSON line a CLI verb printed. */
export function cliJson<T = Record<string, unknown>>(...args: string[]): T {
  const lines = cli(...args).trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}
