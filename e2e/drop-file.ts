import type { Page } from '@playwright/test';

/** Drops a real file on the page, as a user dragging it from the desktop does (dragenter, dragover, drop with a DataTransfer). */
export async function dropFile(page: Page, name: string, content: string | Uint8Array): Promise<void> {
  const bytes = typeof content === 'string' ? Array.from(new TextEncoder().encode(content)) : Array.from(content);
  const dataTransfer = await page.evaluateHandle(
    ({ name, bytes }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], name));
      return dt;
    },
    { name, bytes },
  );
  for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent('main', type, { dataTransfer });
}
