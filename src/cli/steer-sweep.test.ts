import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { cli, reason } from './test-cli';

describe('steer --sweep and --unit on the toy model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-steer-'));
  const file = (name: string) => join(dir, name);
  let steer: string[] = [];

  beforeAll(async () => {
    writeFileSync(file('p.txt'), ['a large red circle in the centre on a white background', 'a small blue square at the top on a black background', 'a large green cross on the left on a gray background', 'a small yellow triangle at the bottom on a blue background'].join('\n'));
    for (const args of [
      ['collect', '--model', 'public/models/toy', '--prompts', file('p.txt'), '--steps', '6', '--record', '3', '--out', file('t.safetensors')],
      ['fit', '--traj', file('t.safetensors'), '--out', file('d.safetensors')],
      ['train', '--traj', file('t.safetensors'), '--dynamics', file('d.safetensors'), '--latents', '16', '--k', '3', '--steps', '40', '--batch', '32', '--out', file('s.safetensors')],
    ]) expect((await cli(...args)).code, args[0]).toBe(0);
    steer = ['steer', '--model', 'public/models/toy', '--sae', file('s.safetensors'), '--dynamics', file('d.safetensors'), '--traj', file('t.safetensors'), '--prompt', 'a large blue circle in the centre on a black background', '--steps', '6', '--latent', '0,1'];
  }, 900_000);

  test('--sweep 3 writes a 3 × 3 strip and a JSON of each image’s strength, pixel change and probe reading', async () => {
    const r = await cli(...steer, '--alpha', '8,-4', '--sweep', '3', '--out', file('strip.png'));
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(result).toMatchObject({ images: 9, unit: 'norm', max: 8, calls_full: 54 });
    // Early, middle and late re-run 6, 4 and 2 calls at each of the two non-zero strengths.
    expect(result.calls_rerun).toBe(24);
    // The PNG's IHDR: width and height, big-endian, after the 8-byte signature and the chunk's length and type.
    const png = readFileSync(file('strip.png'));
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([3 * 64, 3 * 64]);
    const json = JSON.parse(readFileSync(file('strip.json'), 'utf8'));
    expect(json.images.map((i: { window: string; strength: number }) => `${i.window} ${i.strength}`)).toEqual(['early', 'middle', 'late'].flatMap((w) => [`${w} -8`, `${w} 0`, `${w} 8`]));
    expect(json.images[2].latents).toEqual([{ latent: 0, alpha: 8 }, { latent: 1, alpha: -4 }]);
    for (const image of json.images) {
      // α = 0 is the unsteered image itself; ±8 × the mean norm changes it.
      if (image.strength === 0) expect(image.mean_abs_pixel_change).toBe(0);
      else expect(image.mean_abs_pixel_change).toBeGreaterThan(0);
      expect(Object.keys(image.reading)).toEqual(['shape', 'color', 'position', 'size', 'background']);
    }
  }, 600_000);

  test('--unit mk steers in units of m_k; a bad unit and --sweep with --ablate are one-line errors', async () => {
    const mk = await cli(...steer, '--alpha', '2', '--unit', 'mk', '--out', file('mk.png'));
    expect(mk.code, mk.stderr).toBe(0);
    const result = JSON.parse(mk.stdout.trim().split('\n').pop()!);
    expect(result.unit).toBe('mk');
    expect(result.scales).toEqual(result.mean_activations);
    const bad = await cli(...steer, '--alpha', '2', '--unit', 'sigma', '--out', file('x.png'));
    expect([bad.code, reason(bad.stderr)]).toEqual([2, ['error: steer: --unit is "sigma". Should be one of: norm, mk']]);
    const ablate = await cli(...steer, '--sweep', '5', '--ablate', '--out', file('x.png'));
    expect([ablate.code, reason(ablate.stderr)]).toEqual([2, ['error: steer: --sweep scales added latents; it cannot be combined with --ablate']]);
  }, 600_000);
});
