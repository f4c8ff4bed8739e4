/**
 * The model contract: what `manifest.json` says about a model folder — its
 * graphs, tokenizer, scheduler, sizes, sampler defaults and hook catalogue —
 * and where each file comes from when the model is remote. manifest.ts reads
 * and checks it.
 */
import type { SchedulerName } from './schedulers';

/** One file of a model: its path inside the model folder and, for remote models, how to fetch and check it. */
export interface FileEntry {
  /** Path inside the model folder ("unet/model.onnx"); also the cache name and the key of `ModelManifest.files`. */
  readonly file: string;
  /** Exact size in bytes; a download or local file of another size is rejected as truncated or wrong. */
  readonly bytes?: number;
  /** Lower-case hex SHA-256 of the file, checked once after a download (see sources/sha256.ts for the size limit). */
  readonly sha256?: string;
  /** Where to fetch it: absolute, or relative to the manifest's URL; default `huggingface` resolve URL, else next to the manifest. */
  readonly url?: string;
}

/**
 * A file of the UNet's weights stored outside its graph (ONNX external data):
 * fp16 exports keep them all in one (`unet/weights.pb`), fp32 SD 1.5 exports
 * (over protobuf's 2 GB) one file per tensor.
 */
export interface ExternalDataEntry extends FileEntry {
  /** The `location` string the graph's initializers name; onnxruntime matches the data by it, so it must be equal. */
  readonly location: string;
}

/** A hookable UNet block and the shape of its output at the manifest's `imageSize`. */
export interface HookEntry {
  /** Module path, as in PyTorch: "up_blocks.1.attentions.1". */
  readonly path: string;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** Graph value that is the block's output, when known; otherwise graph surgery finds it from node names. */
  readonly onnxOutput?: string;
  /** The block collected and steered when none is chosen. */
  readonly default?: boolean;
}

export const TIMESTEP_DTYPES = ['int64', 'float32', 'float16'] as const;
export const PRECISIONS = ['fp32', 'fp16'] as const;
/** Which latent a preview decoder takes: the diffusion latent as the sampler holds it, or that divided by latentScale. */
export const PREVIEW_LATENT_SCALINGS = ['scaled', 'unscaled'] as const;
/** Value ranges a preview decoder's image may have: the VAE decoder's, or madebyollin's TAESD exports'. */
export const PREVIEW_OUTPUT_RANGES = [[-1, 1], [0, 1]] as const;

/**
 * A small decoder for per-step previews (TAESD, madebyollin/taesd, or one
 * distilled like models/toy/train_taesd.py): `input` [B, C, h, w] latent →
 * `output` [B, 3, H, W] image.
 */
export interface PreviewDecoderEntry extends FileEntry {
  /** The graph input that takes the latent ("latent_sample"). */
  readonly input: string;
  /** The graph output that is the RGB image ("sample"). */
  readonly output: string;
  /**
   * "scaled": the diffusion latent unchanged (VAE latent × latentScale), as
   * TAESD takes SD's latents (it has no scaling factor, madebyollin/taesd#3);
   * "unscaled": latent / latentScale, as the VAE decoder takes it.
   */
  readonly latentScaling: (typeof PREVIEW_LATENT_SCALINGS)[number];
  /** [low, high] of the image's values: [-1, 1] like the VAE decoder (the default), or [0, 1] like TAESD's own exports. */
  readonly outputRange: (typeof PREVIEW_OUTPUT_RANGES)[number];
}

export interface ModelManifest {
  /** Short identifier shown in the UI and written into trajectory metadata. */
  readonly name: string;
  readonly description?: string;
  /** Side of the square image in pixels (512 for SD 1.5). */
  readonly imageSize: number;
  /** Latent channels C (4 for SD 1.5). */
  readonly latentChannels: number;
  /** Pixels per latent cell along one side (8 for SD 1.5). */
  readonly vaeScaleFactor: number;
  /** Multiplier from VAE latents to diffusion latents (0.18215 for SD 1.5). */
  readonly latentScale: number;
  /** Weight precision of the graphs; IO dtypes are still read from the sessions. Default fp32. */
  readonly precision: (typeof PRECISIONS)[number];
  /** Hugging Face repository the files resolve from, pinned to a commit: https://huggingface.co/<repo>/resolve/<revision>/<file>. */
  readonly huggingface?: { readonly repo: string; readonly revision: string };
  /** CLIP-style text encoder: input_ids [B, contextLength] → last_hidden_state [B, contextLength, hiddenSize]. */
  readonly textEncoder: FileEntry & {
    /** Tokens per prompt after padding/truncation (77 for CLIP). */
    readonly contextLength: number;
    readonly hiddenSize: number;
    /** Id prompts are padded with (49407, CLIP's end-of-text, for SD 1.5). */
    readonly padTokenId: number;
    readonly bosTokenId?: number;
    readonly eosTokenId?: number;
  };
  /** UNet: sample, timestep, encoder_hidden_states → out_sample. */
  readonly unet: FileEntry & {
    /** What the export was seen to use; informative only — the runtime reads the dtype from the session. */
    readonly timestepDtype?: (typeof TIMESTEP_DTYPES)[number];
    readonly timestepShape?: readonly (string | number)[];
    /** The weights' one external-data file (fp16 exports). */
    readonly externalData?: ExternalDataEntry;
    /** The weights' external-data files when there are several (fp32 exports, one file per tensor); never with `externalData`. */
    readonly externalDataFiles?: readonly ExternalDataEntry[];
  };
  /** The toy's second UNet export with its weights in a side file, kept for the external-data tests. */
  readonly unetExternalData?: { readonly file: string; readonly data: string };
  /** VAE decoder: latent_sample → sample. */
  readonly vaeDecoder: FileEntry;
  readonly vaeEncoder?: FileEntry;
  /** A tiny (TAESD-style) decoder for per-step previews at image resolution; preferred over previewMatrix when listed. */
  readonly previewDecoder?: PreviewDecoderEntry;
  /** Path of a Hugging Face tokenizer.json (its entry in `files` may give a URL in another repository). */
  readonly tokenizer: string;
  /** Path of a diffusers scheduler_config.json. */
  readonly scheduler: string;
  /** Sampler defaults for generation and collection. */
  readonly sampler: { readonly name: SchedulerName; readonly steps: number; readonly guidanceScale: number };
  /** Hookable blocks with shapes; optional for remote models (graph surgery can list them from the UNet). */
  readonly hooks?: readonly HookEntry[];
  /**
   * Latent → RGB linear map for step previews: 3 rows (R, G, B) × (C + 1)
   * columns, the last a bias; rgb = M · [z; 1] in about [-1, 1], z the
   * diffusion latent (VAE latent × latentScale).
   */
  readonly previewMatrix?: readonly (readonly number[])[];
  /** The toy's attribute probe (classifier used to score steering automatically). */
  readonly probe?: {
    readonly file: string;
    readonly input: string;
    readonly inputRange: readonly [number, number];
    readonly attributes: Readonly<Record<string, readonly string[]>>;
  };
  /** Provenance of the toy's training (free-form, from export.py). */
  readonly training?: Readonly<Record<string, unknown>>;
  /** Parameter counts per graph (free-form, from export.py). */
  readonly parameters?: Readonly<Record<string, number>>;
  /** What is verified about the export and what is not. */
  readonly notes?: readonly string[];
  /** Every file the model uses, by path (derived from the entries above). */
  readonly files: Readonly<Record<string, FileEntry>>;
}
