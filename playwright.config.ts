import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './e2e/chromium';

// E2E_PORT, E2E_DIST and E2E_OUT let several checkouts or engineers run suites side by side.
const PORT = Number(process.env.E2E_PORT ?? 4319);
// The dev server listens on the next port.
const DEV_PORT = PORT + 1;
const DIST = process.env.E2E_DIST ?? 'dist';
/** Specs that run against the dev server (StrictMode, unbundled modules) instead of the build. */
const DEV_SPECS = /dev-server\.spec\.ts$/;

/**
 * Browser tests on localhost (navigator.gpu needs a secure context, and
 * localhost is one), in two projects: "build" runs against the built app
 * (`vite build` runs first, in `npm run test:e2e`) served by `vite preview`;
 * "dev" runs the dev-server specs against `vite` as the README starts it
 * (`npm run dev`), where React's StrictMode runs every effect twice.
 */
export default defineConfig({
  testDir: 'e2e',
  outputDir: process.env.E2E_OUT ?? 'test-results',
  // One emulated GPU on shared CPU cores: tests run one at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 60_000 },
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    browserName: 'chromium',
    launchOptions: chromiumLaunchOptions(),
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'build', testIgnore: DEV_SPECS, use: { baseURL: `http://localhost:${PORT}` } },
    { name: 'dev', testMatch: DEV_SPECS, use: { baseURL: `http://localhost:${DEV_PORT}` } },
  ],
  webServer: [
    {
      command: `npx vite preview --port ${PORT} --strictPort --outDir ${DIST}`,
      url: `http://localhost:${PORT}`,
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
    },
    {
      command: `npx vite --port ${DEV_PORT} --strictPort`,
      url: `http://localhost:${DEV_PORT}`,
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
    },
  ],
});
