import type { ModelManifest, PreviewDecoderEntry } from './manifest';
import type { ModelSession } from './ort-runtime';
import { planarToRgba, type RgbaImage } from './rgba-image';

/**
 * A per-step preview at image resolution through the manifest's preview
 * decoder (TAESD-style): the latent, divided by latentScale when the entry
 * says "unscaled", through `session`, its [1, 3, H, W] output mapped from
 * `outputRange` to bytes. `latent`: [C, h, w], the diffusion latent as the
 * sampler holds it. Await it before the model's next run: onnxruntime-web's
 * WebGPU backend does not take overlapping runs ("Session already started",
 * huggingface/transformers.js#909).
 */
export async function decoderPreview(session: ModelSession, entry: PreviewDecoderEntry, manifest: ModelManifest, latent: Float32Array): Promise<RgbaImage> {
  const C = manifest.latentChannels;
  const h = manifest.imageSize / manifest.vaeScaleFactor;
  if (latent.length !== C * h * h) throw new RangeError(`latent has ${latent.length} values; [${C}, ${h}, ${h}] needs ${C * h * h}`);
  const input = entry.latentScaling === 'unscaled' ? latent.map((v) => v / manifest.latentScale) : latent;
  const out = await session.run({ [entry.input]: { data: input, dims: [1, C, h, h] } }, [entry.output]);
  const image = out[entry.output];
  const pixels = image.data;
  image.dispose();
  const [batch, channels, height, width] = image.dims;
  if (!pixels || image.dims.length !== 4 || batch !== 1 || channels !== 3) {
    throw new Error(`${manifest.name}: the preview decoder's "${entry.output}" is [${image.dims.join(', ')}]${pixels ? '' : ' on the GPU'}; a preview needs [1, 3, H, W] on the CPU`);
  }
  if (entry.outputRange[0] === 0) for (let i = 0; i < pixels.length; i++) pixels[i] = pixels[i] * 2 - 1;
  return planarToRgba(pixels, width, height);
}

/**
 * A per-step preview at latent resolution without the VAE: rgb = M · [z; 1]
 * per latent pixel (M: the manifest's previewMatrix, 3 × (C + 1), fitted per
 * model), mapped from [-1, 1] to bytes. `latent`: [C, h, w].
 */
export function latentPreview(matrix: readonly (readonly number[])[], latent: Float32Array, C: number, h: number, w: number): RgbaImage {
  const P = h * w;
  if (latent.length !== C * P) throw new RangeError(`latent has ${latent.length} values; [${C}, ${h}, ${w}] needs ${C * P}`);
  if (matrix.length !== 3 || matrix.some((row) => row.length !== C + 1)) throw new RangeError(`previewMatrix must be 3 × ${C + 1}`);
  const data = new Uint8ClampedArray(P * 4);
  for (let p = 0; p < P; p++) {
    for (let c = 0; c < 3; c++) {
      let v = matrix[c][C];
      for (let k = 0; k < C; k++) v += matrix[c][k] * latent[k * P + p];
      data[p * 4 + c] = Math.round(((v + 1) / 2) * 255);
    }
    data[p * 4 + 3] = 255;
  }
  return { width: w, height: h, data };
}

/**
 * Least-squares fit of M from pairs of final latents [C, h, w] and decoded
 * images in [-1, 1] average-pooled to [3, h, w]: per colour, the normal
 * equations of [z; 1] solved in float64 (Gaussian elimination, C + 1 ≤ 17).
 * Returns M and the R² of each colour.
 */
export function fitPreviewMatrix(latents: Float32Array[], pooled: Float32Array[], C: number): { matrix: number[][]; r2: number[] } {
  const n = C + 1;
  const xtx = Array.from({ length: n }, () => new Float64Array(n));
  const xty = Array.from({ length: 3 }, () => new Float64Array(n));
  const P = latents[0].length / C;
  const feature = new Float64Array(n);
  let count = 0;
  const sums = new Float64Array(3);
  const squares = new Float64Array(3);
  latents.forEach((z, i) => {
    for (let p = 0; p < P; p++) {
      for (let k = 0; k < C; k++) feature[k] = z[k * P + p];
      feature[C] = 1;
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) xtx[a][b] += feature[a] * feature[b];
      for (let c = 0; c < 3; c++) {
        const y = pooled[i][c * P + p];
        for (let a = 0; a < n; a++) xty[c][a] += feature[a] * y;
        sums[c] += y;
        squares[c] += y * y;
      }
      count++;
    }
  });
  const matrix = xty.map((rhs) => solve(xtx.map((row) => Float64Array.from(row)), Float64Array.from(rhs)));
  // R² per colour from the fitted residuals.
  const residual = new Float64Array(3);
  latents.forEach((z, i) => {
    for (let p = 0; p < P; p++) {
      for (let c = 0; c < 3; c++) {
        let v = matrix[c][C];
        for (let k = 0; k < C; k++) v += matrix[c][k] * z[k * P + p];
        residual[c] += (pooled[i][c * P + p] - v) ** 2;
      }
    }
  });
  const r2 = [0, 1, 2].map((c) => 1 - residual[c] / (squares[c] - (sums[c] * sums[c]) / count));
  return { matrix, r2 };
}

function solve(a: Float64Array[], b: Float64Array): number[] {
  const n = b.length;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    [b[col], b[pivot]] = [b[pivot], b[col]];
    if (Math.abs(a[col][col]) < 1e-12) throw new Error('previewMatrix fit: the latents are degenerate (singular normal equations); use more images');
    for (let r = col + 1; r < n; r++) {
      const f = a[r][col] / a[col][col];
      for (let c = col; c < n; c++) a[r][c] -= f * a[col][c];
      b[r] -= f * b[col];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let c = r + 1; c < n; c++) s -= a[r][c] * x[c];
    x[r] = s / a[r][r];
  }
  return x;
}

/** Average-pools an RGBA image to [3, h, w] in [-1, 1] (for fitting against latents of that size). */
export function poolImage(image: RgbaImage, h: number, w: number): Float32Array {
  const fy = image.height / h;
  const fx = image.width / w;
  const out = new Float32Array(3 * h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let yy = y * fy; yy < (y + 1) * fy; yy++) for (let xx = x * fx; xx < (x + 1) * fx; xx++) s += image.data[(yy * image.width + xx) * 4 + c];
        out[c * h * w + y * w + x] = (s / (fx * fy) / 255) * 2 - 1;
      }
    }
  }
  return out;
}
