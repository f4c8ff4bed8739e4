import type { Page } from '@playwright/test';

/**
 * Records every Content-Security-Policy violation: the page's
 * `securitypolicyviolation` events (across reloads), and the browser's
 * "Refused to …" console reports, which also come from the page's workers.
 * Call before the page's first navigation; returns the list so far.
 */
export async function recordCspViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) violations.push(`console: ${message.text()}`);
  });
  await page.exposeBinding('reportCspViolation', (_source, text: string) => violations.push(text));
  await page.addInitScript(() => {
    const report = (window as unknown as { reportCspViolation(text: string): void }).reportCspViolation;
    document.addEventListener('securitypolicyviolation', (e) => report(`${e.effectiveDirective} refused ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`));
  });
  return violations;
}
