/**
 * Public exports that come without a manifest.json, recognised by their
 * file names so a folder of downloaded files can be paired with the
 * manifest the app ships for them (public/models/<id>/manifest.json).
 */
export interface KnownLayout {
  readonly id: string;
  /** The shipped manifest, relative to the app's public folder (and URL base). */
  readonly manifest: string;
  /** Files whose presence identifies the layout. */
  readonly marks: readonly string[];
}

export const KNOWN_LAYOUTS: readonly KnownLayout[] = [
  {
    // nmkd/stable-diffusion-1.5-onnx-fp16: the diffusers ONNX layout with the UNet's weights in unet/weights.pb.
    id: 'sd15-nmkd-fp16',
    manifest: 'models/sd15-nmkd-fp16/manifest.json',
    marks: ['unet/model.onnx', 'unet/weights.pb', 'text_encoder/model.onnx', 'vae_decoder/model.onnx'],
  },
  {
    // microsoft/stable-diffusion-v1.5-webnn: flat, one file per graph.
    id: 'sd15-webnn',
    manifest: 'models/sd15-webnn/manifest.json',
    marks: ['sd-unet-v1.5-model-b2c4h64w64s77-float16-compute-and-inputs-layernorm.onnx', 'text-encoder.onnx', 'Stable-Diffusion-v1.5-vae-decoder-float16-fp32-instancenorm.onnx'],
  },
];

/** The known layout whose marks are all among `paths` (relative to the model folder), or null. */
export function detectLayout(paths: Iterable<string>): KnownLayout | null {
  const have = new Set(paths);
  return KNOWN_LAYOUTS.find((l) => l.marks.every((m) => have.has(m))) ?? null;
}
