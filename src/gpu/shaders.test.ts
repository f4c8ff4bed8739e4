import { expect, test } from 'vitest';
import { shaderSource } from './shaders';

test('the f16 variant switches only the storage alias, on the same line', () => {
  const f32 = shaderSource('matmul').split('\n');
  const f16 = shaderSource('matmul@f16').split('\n');
  expect(f16).toHaveLength(f32.length);
  const changed = f16.flatMap((line, i) => (line === f32[i] ? [] : [[f32[i], line]]));
  expect(changed).toEqual([['alias Stored = f32;', 'enable f16; alias Stored = f16;']]);
});

test('unknown shaders and shaders without the alias are named in the error', () => {
  expect(() => shaderSource('no-such-kernel')).toThrow(/No shader named "no-such-kernel". Should be one of: .*matmul/);
  expect(() => shaderSource('residualize@f16')).toThrow(/residualize.wgsl has no "alias Stored = f32;" line/);
});
