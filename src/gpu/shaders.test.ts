import { expect, test } from 'vitest';
import { laneKernel, shaderSource } from './shaders';

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
  expect(() => shaderSource('matmul@vec4')).toThrow(/matmul.wgsl has no "alias Lane = f32; const LANES = 1u;" line/);
});

test('the vec4 variant switches only the lane alias, on the same line, for rows whose length divides by 4', () => {
  const scalar = shaderSource('sae-decode').split('\n');
  const vec4 = shaderSource('sae-decode@vec4').split('\n');
  expect(vec4).toHaveLength(scalar.length);
  expect(vec4.flatMap((line, i) => (line === scalar[i] ? [] : [[scalar[i], line]]))).toEqual([['alias Lane = f32; const LANES = 1u;', 'alias Lane = vec4<f32>; const LANES = 4u;']]);
  expect(laneKernel('sae-decode', 200)).toEqual({ shader: 'sae-decode@vec4', lanes: 4 });
  expect(laneKernel('sae-decode', 201)).toEqual({ shader: 'sae-decode', lanes: 1 });
  expect(laneKernel('sae-encode', 20, 40)).toEqual({ shader: 'sae-encode@vec4', lanes: 4 });
  expect(laneKernel('sae-encode', 20, 42)).toEqual({ shader: 'sae-encode', lanes: 1 });
});
