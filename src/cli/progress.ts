/**
 * Progress on stderr (stdout carries only results, so scripts can pipe it).
 * On a terminal one line updates in place; elsewhere a line every few percent.
 */
export function progressReporter(task: string): (done: number, total: number, detail?: string) => void {
  const tty = process.stderr.isTTY;
  let lastPercent = -1;
  return (done, total, detail = '') => {
    const percent = total > 0 ? Math.floor((100 * done) / total) : 100;
    if (!tty && percent < 100 && percent - lastPercent < 10) return;
    lastPercent = percent;
    const line = `${task}: ${percent}% (${done}/${total})${detail ? ` ${detail}` : ''}`;
    process.stderr.write(tty ? `\r${line}\x1b[K${done >= total ? '\n' : ''}` : `${line}\n`);
  };
}

export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}
