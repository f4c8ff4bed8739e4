import { expect, test } from '@playwright/test';

/** What the browser itself reports, to compare the panel with (no machine-specific values in the assertions). */
async function adapterFromPage(page: import('@playwright/test').Page) {
  return page.evaluate(async () => {
    const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) throw new Error('requestAdapter() returned null');
    return {
      vendor: adapter.info.vendor,
      architecture: adapter.info.architecture,
      isFallbackAdapter: adapter.info.isFallbackAdapter,
      features: {
        'shader-f16': adapter.features.has('shader-f16'),
        subgroups: adapter.features.has('subgroups'),
        'timestamp-query': adapter.features.has('timestamp-query'),
      },
      limits: {
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxBufferSize: adapter.limits.maxBufferSize,
        maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
      },
    };
  });
}

test('the adapter panel shows what navigator.gpu reports', async ({ page }) => {
  await page.goto('/#device');
  await expect(page.getByRole('heading', { name: 'Trajectory Lab' })).toBeVisible();
  const panel = page.getByTestId('adapter-panel');
  await expect(panel).toBeVisible();
  const expected = await adapterFromPage(page);

  expect(expected.vendor).not.toBe('');
  await expect(panel.getByTestId('adapter-vendor')).toHaveText(expected.vendor);
  await expect(panel.getByTestId('adapter-architecture')).toHaveText(expected.architecture || 'unknown');
  await expect(panel.getByTestId('adapter-fallback')).toHaveAttribute('data-value', String(expected.isFallbackAdapter));
  for (const [name, present] of Object.entries(expected.features)) {
    await expect(panel.getByTestId(`feature-${name}`)).toHaveAttribute('data-present', String(present));
  }
  for (const [name, value] of Object.entries(expected.limits)) {
    expect(value).toBeGreaterThan(0);
    await expect(panel.getByTestId(`adapter-${name}`)).toHaveAttribute('data-value', String(value));
  }
  await expect(page.getByTestId('adapter-chip')).toContainText(expected.vendor);
  await expect(page.getByTestId('device-status')).toHaveText('device ready');
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
});

test('the matmul self-test runs on load and again on a click, and passes', async ({ page }, testInfo) => {
  await page.goto('/#device');
  const panel = page.getByTestId('self-test');
  await expect(panel.getByTestId('self-test-verdict')).toHaveText('passed');
  const firstSeed = await panel.getByTestId('self-test-seed').textContent();

  await panel.getByRole('button', { name: 'Run self-test' }).click();
  await expect(panel.getByTestId('self-test-verdict')).toHaveText('passed');
  await expect(panel.getByTestId('self-test-seed')).not.toHaveText(firstSeed ?? '');
  for (const layout of ['nn', 'tn', 'nt']) {
    const row = panel.getByTestId(`self-test-${layout}`);
    await expect(row).toHaveAttribute('data-passed', 'true');
    const error = Number(await row.getByTestId('max-rel-error').textContent());
    expect(error).toBeGreaterThanOrEqual(0);
    expect(error).toBeLessThan(45 * 2 ** -24 * 1.0001);
  }
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('device-page.png'), fullPage: true });
});

/** Keeps a handle on the device the app requests, so a test can act on it the way a driver would. */
async function captureLabDevice(page: import('@playwright/test').Page) {
  await page.addInitScript(() => {
    const requestDevice = GPUAdapter.prototype.requestDevice;
    GPUAdapter.prototype.requestDevice = async function (this: GPUAdapter, descriptor?: GPUDeviceDescriptor) {
      const device = await requestDevice.call(this, descriptor);
      (globalThis as { labDevice?: GPUDevice }).labDevice = device;
      return device;
    };
  });
}

test('a lost device is reported in the banner and the self-test is disabled', async ({ page }) => {
  await captureLabDevice(page);
  await page.goto('/#device');
  await expect(page.getByTestId('self-test-verdict')).toHaveText('passed');
  await page.evaluate(() => (globalThis as { labDevice?: GPUDevice }).labDevice?.destroy());

  await expect(page.getByTestId('error-banner')).toContainText('The GPU device was lost (destroyed)');
  await expect(page.getByTestId('device-status')).toHaveText('device lost');
  await expect(page.getByRole('button', { name: 'Run self-test' })).toBeDisabled();
});

test('a GPU validation error outside any action reaches the banner', async ({ page }, testInfo) => {
  await captureLabDevice(page);
  await page.goto('/#device');
  await expect(page.getByTestId('self-test-verdict')).toHaveText('passed');
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
  await page.evaluate(async () => {
    const device = (globalThis as { labDevice?: GPUDevice }).labDevice;
    if (!device) throw new Error('the app requested no device');
    // MAP_READ may only be combined with COPY_DST (WebGPU spec, createBuffer validation).
    device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE, label: 'bad-usage' });
    // Chromium delivers uncaptured errors when the device next processes events.
    await device.queue.onSubmittedWorkDone();
  });
  await expect(page.getByTestId('error-banner')).toContainText('bad-usage');
  await expect(page.getByTestId('device-status')).toHaveText('device ready');
  await page.screenshot({ path: testInfo.outputPath('gpu-error-banner.png') });
});

test('a wrong GPU result fails the self-test visibly', async ({ page }) => {
  // Corrupt one entry of every C readback (67×53 f32), as a broken kernel would.
  await page.addInitScript(() => {
    const getMappedRange = GPUBuffer.prototype.getMappedRange;
    GPUBuffer.prototype.getMappedRange = function (this: GPUBuffer, ...args: [number?, number?]) {
      const range = getMappedRange.apply(this, args);
      if (range.byteLength === 67 * 53 * 4) new Float32Array(range)[100] += 1e-3;
      return range;
    };
  });
  await page.goto('/#device');
  const panel = page.getByTestId('self-test');
  await expect(panel.getByTestId('self-test-verdict')).toHaveText('failed');
  for (const layout of ['nn', 'tn', 'nt']) {
    await expect(panel.getByTestId(`self-test-${layout}`)).toHaveAttribute('data-passed', 'false');
    await expect(panel.getByTestId(`self-test-${layout}`)).toContainText('FAIL');
  }
});
