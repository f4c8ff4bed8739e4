import { useEffect, useRef } from 'react';

/** Mounts a <canvas> and calls a render function over `data` whenever it changes; `attributes` go onto the canvas as data-* attributes. */
export function RenderedCanvas<T>({ render, data, testId, className, title, attributes }: { render: (canvas: HTMLCanvasElement, data: T) => void; data: T; testId?: string; className?: string; title?: string; attributes?: Record<string, string | number> }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (ref.current) render(ref.current, data);
  }, [render, data]);
  const dataAttributes = Object.fromEntries(Object.entries(attributes ?? {}).map(([k, v]) => [`data-${k}`, v]));
  return <canvas ref={ref} className={className} data-testid={testId} title={title} {...dataAttributes} />;
}
