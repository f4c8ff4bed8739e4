/** Seconds per stage (study.json's `seconds`), summed over hooks. */
export function stageTimer(): { seconds: Record<string, number>; timed: <T>(stage: string, run: () => Promise<T>) => Promise<T> } {
  const seconds: Record<string, number> = {};
  const timed = async <T>(stage: string, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await run();
    } finally {
      seconds[stage] = (seconds[stage] ?? 0) + (performance.now() - started) / 1000;
    }
  };
  return { seconds, timed };
}
