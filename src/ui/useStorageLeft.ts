import { useEffect, useState } from 'react';

/** Browser storage left for this origin, re-measured whenever `tick` changes (a collection growing, a job ending). */
export function useStorageLeft(tick: unknown): { left: number; usage: number } | null {
  const [space, setSpace] = useState<{ left: number; usage: number } | null>(null);
  useEffect(() => {
    void navigator.storage?.estimate().then(({ quota, usage }) => quota !== undefined && setSpace({ left: quota - (usage ?? 0), usage: usage ?? 0 }));
  }, [tick]);
  return space;
}
