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

/**
 * The one template rule (WGSL stays static and readable, no string building): `<name>@f16` is `shaders/<name>.wgsl` with
 * its `alias Stored = f32;` line (the element type of its storage inputs)
 * switched to f16, on the same line so compile errors keep their line numbers.
 */
const STORED_F32 = 'alias Stored = f32;';

/** The source of `shaders/<name>.wgsl`, or of its f16-storage variant `<name>@f16`. */
export function shaderSource(name: string): string {
  if (name.endsWith('@f16')) {
    const base = shaderSource(name.slice(0, -'@f16'.length));
    if (!base.includes(STORED_F32)) throw new Error(`Shader "${name}": ${name.slice(0, -4)}.wgsl has no "${STORED_F32}" line to switch to f16`);
    return base.replace(STORED_F32, 'enable f16; alias Stored = f16;');
  }
  const text = byName.get(name);
  if (text === undefined) {
    throw new Error(`No shader named "${name}". Should be one of: ${[...byName.keys()].sort().join(', ')}`);
  }
  return text;
}
