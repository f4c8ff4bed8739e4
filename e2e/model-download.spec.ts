import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import ts from 'typescript';

/**
 * The OPFS ByteStore in a real browser, without adding anything to the
 * product: the store's modules are transpiled here and served to the page
 * under /__opfs-test/ by request interception, then imported by
 * page.evaluate on the app's origin (OPFS is per origin).
 */
const sources = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'diffusion', 'sources');

function moduleJs(name: string): string {
  const { outputText } = ts.transpileModule(readFileSync(join(sources, `${name}.ts`), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  // Relative imports get the served extension.
  return outputText.replace(/from '(\.\/[^']+)'/g, "from '$1.js'");
}

test('the OPFS store appends across attempts, resumes from the partial length, commits and discards', async ({ page }) => {
  await page.route('**/__opfs-test/*.js', (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop()!.replace(/\.js$/, '');
    return route.fulfill({ contentType: 'text/javascript', body: moduleJs(name) });
  });
  await page.goto('/');
  const result = await page.evaluate(async () => {
    const { opfsByteStore } = await import(/* @vite-ignore */ `${location.origin}/__opfs-test/opfs-store.js`);
    const store = await opfsByteStore('e2e-model-download');
    await store.discard('m');
    const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
    const a = bytes(300_000, 1);
    const b = bytes(200_000, 2);
    // First attempt: two writes, then the connection "drops" and the appender is closed.
    let out = await store.appender('m');
    await out.write(a.subarray(0, 100_000));
    await out.write(a.subarray(100_000));
    await out.close();
    const resumeAt = await store.partialLength('m');
    // Second attempt continues where the partial ends.
    out = await store.appender('m');
    await out.write(b);
    await out.close();
    const partial = await store.readPartial('m');
    const sizeBeforeCommit = await store.size('m');
    await store.commit('m');
    const whole = await store.read('m');
    const expected = new Uint8Array(a.length + b.length);
    expected.set(a);
    expected.set(b, a.length);
    const same = (x: Uint8Array | null) => x !== null && x.length === expected.length && x.every((v, i) => v === expected[i]);
    const info = { resumeAt, partialOk: same(partial), sizeBeforeCommit, wholeOk: same(whole), size: await store.size('m'), partialAfter: await store.partialLength('m'), available: await store.available() };
    await store.discard('m');
    return { ...info, afterDiscard: await store.size('m') };
  });
  expect(result).toMatchObject({ resumeAt: 300_000, partialOk: true, sizeBeforeCommit: null, wholeOk: true, size: 500_000, partialAfter: 0, afterDiscard: null });
  expect(result.available).toBeGreaterThan(0);
});
