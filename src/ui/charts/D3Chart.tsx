import { useEffect, useRef } from 'react';

/**
 * Mounts an <svg> and calls a D3 render function over `data` whenever it
 * changes. Charts take their colours from the theme as CSS variables in
 * their attributes (`var(--accent)`, axes in `currentColor`), so switching
 * the theme recolours them without a redraw.
 */
export function D3Chart<T>({ render, data, testId, label, className = 'chart' }: { render: (svg: SVGSVGElement, data: T) => void; data: T; testId?: string; label: string; className?: string }) {
  const ref = useRef<SVGSVGElement>(null);
  useEffect(() => {
    if (ref.current) render(ref.current, data);
  }, [render, data]);
  return <svg ref={ref} className={className} data-testid={testId} aria-label={label} />;
}
