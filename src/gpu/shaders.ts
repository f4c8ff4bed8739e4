/**
 * Every WGSL kernel in `shaders/`, loaded as text the same way in the Vite
 * app, in vitest and in the vite-node CLI (all three run Vite's transform).
 */
const sources = import.meta.glob('../../shaders/*.wgsl', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

const byName = new Map<string, string>(
  Object.entries(sources).map(([path, text]) => [path.replace(/^.*\/(.+)\.wgsl$/, '$1'), text]),
);

/** The source of `shaders/<name>.wgsl`. */
export function shaderSource(name: string): string {
  const text = byName.get(name);
  if (text === undefined) {
    throw new Error(`No shader named "${name}". Should be one of: ${[...byName.keys()].sort().join(', ')}`);
  }
  return text;
}
