import { describe, expect, it } from 'vitest';
import type { LatentTable } from '../../sae/latent-table';
import { latentTableCsv } from './latent-csv';

describe('latentTableCsv', () => {
  it('writes one row per latent with its statistics, profile and top prompt, quoting fields with commas', () => {
    const table = {
      m: 2,
      S: 2,
      P: 4,
      rowsPerPosition: 1,
      topN: 2,
      firingRate: new Float64Array([0.5, 0]),
      meanActivation: new Float64Array([1.5, 0]),
      profile: new Float32Array([1, 3, 2, 2]),
      topToken: new Uint32Array([5, 1, 0xffffffff, 0xffffffff]),
      topValue: new Float32Array([2, 1, 0, 0]),
      topCount: new Uint32Array([2, 0]),
      spatial: { spread: new Float64Array([0.375, 0]), fireImages: new Uint32Array([2, 0]), sampleSize: 2, sample: new Uint32Array([0, 1, 0xffffffff, 0xffffffff]) },
    } as unknown as LatentTable;
    const lines = latentTableCsv(table, ['a red circle', 'a blue square, small']).trim().split('\n');
    expect(lines[0]).toBe('latent,firing_rate,mean_activation,temporal_centre,spatial_spread,fire_images,profile_step_1,profile_step_2,top_image,top_prompt');
    // Token 5 is image ⌊5/4⌋ = 1; centre (1·1 + 2·3)/4 = 1.75.
    expect(lines[1]).toBe('0,0.5,1.5,1.75,0.375,2,1,3,1,"a blue square, small"');
    expect(lines[2]).toBe('1,0,0,1.5,0,0,2,2,,');
    // Statistics from before the spatial spread: its columns stay empty.
    const old = latentTableCsv({ ...table, spatial: null }, []).trim().split('\n');
    expect(old[1]).toBe('0,0.5,1.5,1.75,,,1,3,1,');
  });
});
