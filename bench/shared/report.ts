/** In-page output of a bench: one JSON line per result, to the runner (run-page.ts) or, opened by hand, the page and the console. */
import type { AdapterSummary } from '../../src/gpu/context';

export async function reportLine(line: object): Promise<void> {
  const text = JSON.stringify(line);
  document.getElementById('lines')!.textContent += `${text}\n`;
  if (window.benchReport) await window.benchReport(text);
  else console.log(text);
}

/** Four significant digits: timings on a shared machine carry no more. */
export const round = (x: number): number => Number(x.toPrecision(4));

/** The adapter as one line: vendor / architecture / description. */
export function adapterName({ vendor, architecture, description }: AdapterSummary): string {
  return [vendor, architecture, description].filter(Boolean).join(' / ');
}
