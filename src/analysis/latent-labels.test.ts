import { describe, expect, it } from 'vitest';
import type { DynamicsModel } from '../dynamics/dynamics-file';
import { seededRandom } from '../gpu/random';
import { testGpu } from '../gpu/test-gpu';
import type { LatentTable } from '../sae/latent-table';
import { resolveSaeConfig } from '../sae/sae-config';
import { imageLatentActivations } from './image-latent-activations';
import { bestAttributes, LABEL_WORDS, latentWords, measureLatentLabels, NO_VALUE } from './latent-labels';
import { pairwiseAuroc } from './test-reference';
import { NO_IMAGE } from './top-image-maps';

/** A table with only what labels read: each latent's top rows t = (n·P + p)·R + s, best first. */
function topRowsTable(P: number, R: number, rows: number[][]): LatentTable {
  const topN = Math.max(1, ...rows.map((r) => r.length));
  const topToken = new Uint32Array(rows.length * topN).fill(0xffffffff);
  rows.forEach((r, k) => topToken.set(r, k * topN));
  return { m: rows.length, P, rowsPerPosition: R, topN, topToken, topCount: Uint32Array.from(rows, (r) => r.length) } as unknown as LatentTable;
}

/**
 * Enriched words by their definition, counted here: over the distinct images of the latent's top rows, the share
 * of their prompts holding each word against its share of all prompts, scored top share / ((count + 1) / (N + 1)).
 * (The prompts hold no stop words.)
 */
function bruteWords(prompts: string[], images: number[], limit: number): string[] {
  const distinct = [...new Set(images)];
  const has = (n: number, w: string) => prompts[n].split(' ').includes(w);
  const vocabulary = [...new Set(distinct.flatMap((n) => prompts[n].split(' ')))];
  return vocabulary
    .map((w) => {
      const top = distinct.filter((n) => has(n, w)).length / distinct.length;
      const count = prompts.filter((_, n) => has(n, w)).length;
      return { w, top, all: count / prompts.length, score: top / ((count + 1) / (prompts.length + 1)) };
    })
    .filter((x) => x.top > x.all)
    .sort((a, b) => b.score - a.score || a.w.localeCompare(b.w))
    .slice(0, limit)
    .map((x) => x.w);
}

describe('latent labels from the statistics', () => {
  it("give each latent the words enriched in its top images' prompts", () => {
    const random = seededRandom(Date.now() >>> 0);
    const vocabulary = ['red', 'blue', 'green', 'circle', 'square', 'cross', 'left', 'right', 'top'];
    const [N, P, R] = [23, 3, 2];
    const prompts = Array.from({ length: N }, () => [...new Set(Array.from({ length: 3 }, () => vocabulary[Math.floor(random() * vocabulary.length)]))].join(' '));
    const rows = Array.from({ length: 17 }, (_, k) => Array.from({ length: k % 5 === 4 ? 0 : 2 + Math.floor(random() * 12) }, () => Math.floor(random() * N * P * R)));
    const table = topRowsTable(P, R, rows);
    for (let k = 0; k < rows.length; k++) {
      const images = rows[k].map((t) => Math.floor(t / (P * R)));
      expect(latentWords(prompts, table, k, LABEL_WORDS).map((w) => w.word)).toEqual(bruteWords(prompts, images, LABEL_WORDS));
    }
  });

  it('give each latent the attribute value its per-image maximum best separates, by the pairwise AUROC', () => {
    const random = seededRandom(Date.now() >>> 0);
    const [N, m] = [19, 7];
    const colours = ['red', 'blue', 'green'];
    const truth = Array.from({ length: N }, (_, n) => ({ color: colours[n % 3], size: n % 4 === 0 ? 'large' : 'small' }));
    // Coarse scores, so that ties occur; latent 6 never fires (no AUROC above ½ is possible, but every value has one).
    const imageMax = Float32Array.from({ length: N * m }, (_, i) => (i % m === 6 ? 0 : Math.floor(random() * 4)));
    const got = bestAttributes(imageMax, N, m, truth);
    expect(got.values).toEqual(['color=red', 'size=large', 'color=blue', 'size=small', 'color=green']);
    for (let k = 0; k < m; k++) {
      const column = Array.from({ length: N }, (_, n) => imageMax[n * m + k]);
      let want = { value: '', auroc: -Infinity };
      for (const value of got.values) {
        const [attribute, v] = value.split('=');
        const a = pairwiseAuroc(column, truth.map((t) => t[attribute as keyof typeof t] === v));
        if (a > want.auroc) want = { value, auroc: a };
      }
      expect(got.values[got.best[k]]).toBe(want.value);
      expect(got.auroc[k]).toBeCloseTo(want.auroc, 12);
    }
    expect(got.auroc[6]).toBe(0.5);
    // An attribute every image shares separates nothing: no value.
    const none = bestAttributes(imageMax, N, m, truth.map(() => ({ color: 'red' })));
    expect(Array.from(none.best)).toEqual(new Array(m).fill(NO_VALUE));
    expect(Array.from(none.auroc).every(Number.isNaN)).toBe(true);
  });
});

describe('measureLatentLabels on a small project', () => {
  // A concat SAE and a per-step one (S rows per token), on odd sizes.
  for (const perStep of [false, true]) {
    it(`maps each latent on its own top image and scores attributes as each image encoded alone does (${perStep ? 'per-step' : 'concat'} SAE)`, async () => {
      const ctx = await testGpu();
      const [N, S, P, d, m] = [11, 3, 5, 6, 13];
      const random = seededRandom(Date.now() >>> 0);
      const values = Float32Array.from({ length: N * S * P * d }, () => random() * 2 - 1);
      const reads: number[] = [];
      const source = {
        N, S, P, d,
        readImages: async (n0: number, n1: number) => {
          for (let n = n0; n < n1; n++) reads.push(n);
          return values.slice(n0 * S * P * d, n1 * S * P * d);
        },
      };
      const A = Float32Array.from({ length: (S - 1) * d * d }, () => 0.3 * (random() - 0.5));
      const dynamics: DynamicsModel = { variant: 'full', lambda: 0, S, d, A, b: new Float32Array((S - 1) * d).fill(0.05), scales: Float32Array.from({ length: S }, (_, s) => 1 + 0.5 * s), r2: new Float32Array(S - 1) };
      const dIn = perStep ? d : S * d;
      const config = resolveSaeConfig({ dIn, latents: m, activation: 'topk', k: 3, batchSize: perStep ? 7 * S : 7 });
      const weights = { W_enc: Float32Array.from({ length: dIn * m }, () => random() - 0.5), b_enc: new Float32Array(m).fill(0.05), W_dec: Float32Array.from({ length: m * dIn }, () => random() - 0.5), b_dec: new Float32Array(dIn) };
      // Latent m - 1 never fires: its encoder bias is far below any pre-activation.
      weights.b_enc[m - 1] = -1e6;
      const sae = { config, weights };
      const R = perStep ? S : 1;

      // The reference: every image encoded on its own, f [m, R, P]; each latent's top row is its largest activation.
      const f: Float32Array[] = [];
      for (let n = 0; n < N; n++) f.push(await imageLatentActivations(ctx, dynamics, sae, values.slice(n * S * P * d, (n + 1) * S * P * d), Array.from({ length: m }, (_, j) => j)));
      const top = Array.from({ length: m }, (_, k) => {
        let best = { row: -1, value: 0 };
        for (let n = 0; n < N; n++) for (let p = 0; p < P; p++) for (let r = 0; r < R; r++) if (f[n][(k * R + r) * P + p] > best.value) best = { row: (n * P + p) * R + r, value: f[n][(k * R + r) * P + p] };
        return best.row < 0 ? [] : [best.row];
      });
      const table = topRowsTable(P, R, top);
      const prompts = Array.from({ length: N }, (_, n) => `shape ${['red', 'blue', 'green'][n % 3]} ${n % 2 ? 'left' : 'right'}`);
      const truth = Array.from({ length: N }, (_, n) => ({ color: ['red', 'blue', 'green'][n % 3], position: n % 2 ? 'left' : 'right' }));
      const labels = await measureLatentLabels(ctx, source, dynamics, sae, table, prompts, truth);

      const imageMax = new Float32Array(N * m);
      for (let k = 0; k < m; k++) {
        const n = top[k].length ? Math.floor(top[k][0] / (P * R)) : NO_IMAGE;
        expect(labels.topImage[k]).toBe(n);
        // The map: f_k(n, p) on that image, the maximum over the steps for a per-step SAE.
        for (let p = 0; p < P; p++) {
          const want = n === NO_IMAGE ? 0 : Math.max(...Array.from({ length: R }, (_, r) => f[n][(k * R + r) * P + p]));
          expect(labels.topMap[k * P + p]).toBe(want);
        }
        for (let i = 0; i < N; i++) imageMax[i * m + k] = Math.max(...f[i].subarray(k * R * P, (k + 1) * R * P));
        expect(labels.words[k]).toEqual(latentWords(prompts, table, k, LABEL_WORDS).map((w) => w.word));
      }
      expect(labels.topImage[m - 1]).toBe(NO_IMAGE);
      expect(labels.topMap.some((v) => v > 0)).toBe(true);
      const attributes = labels.attributes!;
      const want = bestAttributes(imageMax, N, m, truth);
      expect(attributes.values).toEqual(want.values);
      expect(Array.from(attributes.best)).toEqual(Array.from(want.best));
      expect(Array.from(attributes.auroc)).toEqual(Array.from(want.auroc));

      // Without attributes only the distinct top images are read, each once.
      reads.length = 0;
      const plain = await measureLatentLabels(ctx, source, dynamics, sae, table, prompts, null);
      expect(plain.attributes).toBeNull();
      expect(Array.from(plain.topMap)).toEqual(Array.from(labels.topMap));
      expect(reads).toEqual([...new Set(labels.topImage)].filter((n) => n !== NO_IMAGE).sort((a, b) => a - b));
    });
  }
});
