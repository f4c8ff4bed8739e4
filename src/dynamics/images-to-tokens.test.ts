import { describe, expect, it } from 'vitest';
import { imagesToTokens as imagesToTokensCpu } from '../data/trajectory-file';
import { gaussianArray, seededRandom } from '../gpu/random';
import { testGpu } from '../gpu/test-gpu';
import { imagesToTokens } from './images-to-tokens';

describe('imagesToTokens', () => {
  it('reorders [n, S, P, d] into token rows exactly as the CPU reader does', async () => {
    const ctx = await testGpu();
    const [n, S, P, d] = [3, 4, 7, 5];
    const data = gaussianArray(n * S * P * d, seededRandom(1));
    const images = ctx.upload(data, 'images');
    const tokens = ctx.createBuffer(data.byteLength, 'tokens');
    imagesToTokens(ctx, { images, tokens, count: n, S, P, d });
    const got = await ctx.readF32(tokens);
    images.destroy();
    tokens.destroy();
    expect(Array.from(got)).toEqual(Array.from(imagesToTokensCpu(data, n, S, P, d)));
  });
});
