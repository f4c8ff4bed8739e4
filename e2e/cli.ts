import { execFileSync } from 'node:child_process';

/** Runs the lab's CLI in Node (the same engine on Dawn) and returns its stdout. */
export function cli(...args: string[]): string {
  return execFileSync('npx', ['vite-node', 'src/cli/main.ts', '--', ...args], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 300_000 });
}

/** The last JSON line a CLI verb printed. */
export function cliJson<T = Record<string, unknown>>(...args: string[]): T {
  const lines = cli(...args).trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}
