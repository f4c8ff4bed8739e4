import { describe, expect, it } from 'vitest';
import { serializeSafetensors } from '../data/safetensors';
import type { LatentTable } from '../sae/latent-table';
import { labelSource, readLatentLabels, serializeLatentLabels } from './latent-labels-file';
import { NO_VALUE, type LatentLabels } from './latent-labels';
import { NO_IMAGE } from './top-image-maps';

const labels = (attributes: boolean): LatentLabels => ({
  m: 4,
  P: 3,
  words: [['red', 'circle'], [], ['blue'], ['red', 'left', 'small']],
  attributes: attributes ? { values: ['color=red', 'color=blue'], best: Uint32Array.of(0, NO_VALUE, 1, 0), auroc: Float64Array.of(0.97, NaN, 0.61, 1) } : null,
  topImage: Uint32Array.of(5, NO_IMAGE, 0, 5),
  topMap: Float32Array.of(0, 1.5, 0.25, 0, 0, 0, 3, 0, 0.125, 2, 2, 0),
});

describe('latent labels file', () => {
  for (const withAttributes of [true, false]) {
    it(`reads back what was written${withAttributes ? ', attributes included' : ' (no attributes)'}, with its source`, async () => {
      const written = labels(withAttributes);
      const { labels: read, source } = await readLatentLabels(serializeLatentLabels(written, 'the source'));
      expect(source).toBe('the source');
      expect(read.m).toBe(4);
      expect(read.P).toBe(3);
      expect(read.words).toEqual(written.words);
      expect(Array.from(read.topImage)).toEqual(Array.from(written.topImage));
      expect(Array.from(read.topMap)).toEqual(Array.from(written.topMap));
      if (withAttributes) {
        expect(read.attributes!.values).toEqual(written.attributes!.values);
        expect(Array.from(read.attributes!.best)).toEqual(Array.from(written.attributes!.best));
        expect(Array.from(read.attributes!.auroc)).toEqual(Array.from(written.attributes!.auroc));
      } else expect(read.attributes).toBeNull();
    });
  }

  it('refuses another kind of file, and a word index past its words', async () => {
    const other = serializeSafetensors({ top_image: { dtype: 'U32', shape: [1], data: Uint32Array.of(0) } }, { kind: 'latent-statistics' });
    await expect(readLatentLabels(other)).rejects.toThrow(/metadata kind is "latent-statistics", expected "latent-labels"/);
    const bad = serializeSafetensors(
      {
        top_image: { dtype: 'U32', shape: [1], data: Uint32Array.of(0) },
        top_map: { dtype: 'F32', shape: [1, 1], data: Float32Array.of(1) },
        word_index: { dtype: 'U32', shape: [1, 1], data: Uint32Array.of(2) },
      },
      { kind: 'latent-labels', source: '', words: '["red"]' },
    );
    await expect(readLatentLabels(bad)).rejects.toThrow(/word_index\[0\] = 2 is outside the 1 words/);
  });

  it('names its source by the top rows and the attributes, so new statistics or attributes make it stale', () => {
    const table = { m: 2, P: 3, topToken: Uint32Array.of(4, 1), topValue: Float32Array.of(2, 1) } as unknown as LatentTable;
    const truth = [{ color: 'red' }, { color: 'blue' }];
    const source = labelSource(table, truth);
    expect(labelSource(table, truth.map((t) => ({ ...t })))).toBe(source);
    expect(labelSource(table, null)).not.toBe(source);
    expect(labelSource(table, [{ color: 'red' }, { color: 'green' }])).not.toBe(source);
    expect(labelSource({ ...table, topToken: Uint32Array.of(4, 2) }, truth)).not.toBe(source);
    expect(labelSource({ ...table, topValue: Float32Array.of(2, 1.5) }, truth)).not.toBe(source);
  });
});
