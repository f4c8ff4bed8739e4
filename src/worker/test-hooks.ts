/**
 * Test-only hooks: today one, destroying the runtime worker's GPU device so
 * the device-loss e2e test can lose it on purpose. Two locks, both needed:
 * the build must carry them — the dev server, or a build made with
 * VITE_TEST_HOOKS=1 (as `npm run test:e2e` builds); a plain `npm run build`
 * does not, and its bundle has no hook code at all — and the page must be
 * opened with `?test-hooks`. The page hands that flag to the runtime worker
 * in the worker's name, which the worker reads once, when it starts.
 */

/** Whether this build carries the test hooks (fixed when the bundle is built). */
export const TEST_HOOKS_BUILT: boolean = import.meta.env.DEV || import.meta.env.VITE_TEST_HOOKS === '1';

const FLAG = 'test-hooks';

/** Page side: whether a page at `search` (location.search) turns the hooks on. */
export function testHooksAsked(search: string): boolean {
  return TEST_HOOKS_BUILT && new URLSearchParams(search).has(FLAG);
}

/** The runtime worker's name, carrying the flag when the hooks are on. */
export function runtimeWorkerName(hooks: boolean): string {
  return hooks ? `runtime ${FLAG}` : 'runtime';
}

/** Worker side: whether the worker named `name` handles test-hook messages. */
export function workerTestHooks(name: string): boolean {
  return TEST_HOOKS_BUILT && name.split(' ').includes(FLAG);
}
