import { useEffect, useRef } from 'react';

/** Mounts a <canvas> and calls a render function over `data` whenever it changes. */
export function RenderedCanvas<T>({ render, data, testId, className, title }: { render: (canvas: HTMLCanvasElement, data: T) => void; data: T; testId?: string; className?: string; title?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (ref.current) render(ref.current, data);
  }, [render, data]);
  return <canvas ref={ref} className={className} data-testid={testId} title={title} />;
}
