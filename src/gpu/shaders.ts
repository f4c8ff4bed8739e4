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
 * The two template rules (WGSL stays static and readable, no string building),
 * each switching one alias line in place so compile errors keep their line numbers:
 * - `<name>@f16`: the `alias Stored = f32;` line (the element type of its
 *   storage inputs) switched to f16;
 * - `<name>@vec4`: the `alias Lane = f32; const LANES = 1u;` line switched to
 *   vec4<f32> and 4: a kernel written over Lanes of a row reads and writes
 *   four floats at a time when the row length divides by 4 (laneKernel).
 */
const VARIANTS: Record<string, { line: string; becomes: string }> = {
  '@f16': { line: 'alias Stored = f32;', becomes: 'enable f16; alias Stored = f16;' },
  '@vec4': { line: 'alias Lane = f32; const LANES = 1u;', becomes: 'alias Lane = vec4<f32>; const LANES = 4u;' },
};

/** The source of `shaders/<name>.wgsl`, or of its variant `<name>@f16` / `<name>@vec4`. */
export function shaderSource(name: string): string {
  const at = name.lastIndexOf('@');
  const variant = at > 0 ? VARIANTS[name.slice(at)] : undefined;
  if (variant) {
    const base = shaderSource(name.slice(0, at));
    if (!base.includes(variant.line)) throw new Error(`Shader "${name}": ${name.slice(0, at)}.wgsl has no "${variant.line}" line to switch`);
    return base.replace(variant.line, variant.becomes);
  }
  const text = byName.get(name);
  if (text === undefined) {
    throw new Error(`No shader named "${name}". Should be one of: ${[...byName.keys()].sort().join(', ')}`);
  }
  return text;
}

/**
 * The variant of a Lane kernel (see VARIANTS) for rows of `n` floats (and
 * offsets into them, `more`): `@vec4` when every one divides by 4, which on
 * SwiftShader runs memory-bound passes about twice as fast (fewer, wider
 * accesses, each bounds-checked), else the scalar one. `lanes` is how many
 * floats one Lane holds.
 */
export function laneKernel(shader: string, n: number, ...more: number[]): { shader: string; lanes: 1 | 4 } {
  return [n, ...more].every((x) => x % 4 === 0) ? { shader: `${shader}@vec4`, lanes: 4 } : { shader, lanes: 1 };
}
