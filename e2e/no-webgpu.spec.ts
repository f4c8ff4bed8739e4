import { expect, test } from '@playwright/test';

test('without navigator.gpu the lab says why and how to get WebGPU', async ({ page }, testInfo) => {
  await page.addInitScript(() => {
    delete (Navigator.prototype as { gpu?: GPU }).gpu;
  });
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'WebGPU is not available' })).toBeVisible();
  const reason = page.getByTestId('no-webgpu-reason');
  await expect(reason).toContainText('navigator.gpu is missing');
  await expect(reason).toContainText('--enable-unsafe-webgpu');
  await expect(page.getByTestId('adapter-panel')).toHaveCount(0);
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('no-webgpu.png'), fullPage: true });
});

test('when no adapter is offered the lab says so', async ({ page }) => {
  await page.addInitScript(() => {
    GPU.prototype.requestAdapter = async () => null;
  });
  await page.goto('/');
  await expect(page.getByTestId('no-webgpu-reason')).toContainText('no adapter was offered');
});
