/**
 * The model contract (DESIGN.md §3): what `manifest.json` says about a model
 * folder — its graphs, tokenizer, scheduler, sizes, sampler defaults and hook
 * catalogue — and where each file comes from when the model is remote.
 *
 * `parseManifest` is the single validation: every message names the bad
 * field (`manifest.json: unet.file is missing`) and, for enumerations, the
 * allowed values. The embedded toy manifest (public/models/toy/) is written
 * by models/toy/export.py and parses unchanged.
 */
import { SCHEDULER_NAMES, type SchedulerName } from './schedulers';

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

/** The UNet's weights stored outside its graph (ONNX external data, e.g. `unet/weights.pb`). */
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
    readonly externalData?: ExternalDataEntry;
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

type Json = Record<string, unknown>;

class ManifestReader {
  constructor(readonly where: string) {}

  fail(field: string, problem: string): never {
    throw new Error(`${this.where}: ${field} ${problem}`);
  }

  object(v: unknown, field: string): Json {
    if (v === undefined) this.fail(field, 'is missing');
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, `must be an object, got ${JSON.stringify(v)}`);
    return v as Json;
  }

  string(v: unknown, field: string): string {
    if (v === undefined) this.fail(field, 'is missing');
    if (typeof v !== 'string' || v === '') this.fail(field, `must be a non-empty string, got ${JSON.stringify(v)}`);
    return v;
  }

  number(v: unknown, field: string, { integer = false, positive = false, nonNegative = false } = {}): number {
    if (v === undefined) this.fail(field, 'is missing');
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(field, `must be a number, got ${JSON.stringify(v)}`);
    if (integer && !Number.isInteger(v)) this.fail(field, `must be an integer, got ${v}`);
    if (positive && v <= 0) this.fail(field, `must be positive, got ${v}`);
    if (nonNegative && v < 0) this.fail(field, `must be ≥ 0, got ${v}`);
    return v;
  }

  oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): T {
    const s = this.string(v, field);
    if (!(allowed as readonly string[]).includes(s)) this.fail(field, `is "${s}"; should be one of: ${allowed.join(', ')}`);
    return s as T;
  }

  optional<T>(v: unknown, read: (v: unknown) => T): T | undefined {
    return v === undefined ? undefined : read(v);
  }

  /** A file path inside the model: relative, no "..", forward slashes (it names a cache entry too). */
  path(v: unknown, field: string): string {
    const p = this.string(v, field);
    if (p.startsWith('/') || p.includes('\\') || p.split('/').some((s) => s === '..' || s === '.' || s === '')) {
      this.fail(field, `is "${p}"; must be a relative path like "unet/model.onnx" without "." or ".." segments`);
    }
    return p;
  }

  fileEntry(v: unknown, field: string): FileEntry {
    const o = this.object(v, field);
    const file = this.path(o.file, `${field}.file`);
    const bytes = this.optional(o.bytes, (b) => this.number(b, `${field}.bytes`, { integer: true, positive: true }));
    const sha256 = this.optional(o.sha256, (s) => {
      const hex = this.string(s, `${field}.sha256`);
      if (!/^[0-9a-f]{64}$/.test(hex)) this.fail(`${field}.sha256`, `is "${hex}"; must be 64 lower-case hex digits`);
      return hex;
    });
    const url = this.optional(o.url, (u) => this.string(u, `${field}.url`));
    return { file, ...(bytes !== undefined && { bytes }), ...(sha256 !== undefined && { sha256 }), ...(url !== undefined && { url }) };
  }

  /** A path given as a bare string (local models) or as a file entry (remote ones). */
  pathOrEntry(v: unknown, field: string): FileEntry {
    return typeof v === 'string' ? { file: this.path(v, field) } : this.fileEntry(v, field);
  }

  hook(v: unknown, field: string): HookEntry {
    const o = this.object(v, field);
    const dims = { integer: true, positive: true };
    return {
      path: this.string(o.path, `${field}.path`),
      channels: this.number(o.channels, `${field}.channels`, dims),
      height: this.number(o.height, `${field}.height`, dims),
      width: this.number(o.width, `${field}.width`, dims),
      ...(o.onnxOutput !== undefined && { onnxOutput: this.string(o.onnxOutput, `${field}.onnxOutput`) }),
      ...(o.default !== undefined && { default: this.boolean(o.default, `${field}.default`) }),
    };
  }

  boolean(v: unknown, field: string): boolean {
    if (typeof v !== 'boolean') this.fail(field, `must be true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  array(v: unknown, field: string): unknown[] {
    if (v === undefined) this.fail(field, 'is missing');
    if (!Array.isArray(v)) this.fail(field, `must be an array, got ${JSON.stringify(v)}`);
    return v;
  }
}

/**
 * Validates a parsed manifest.json. `where` names it in messages
 * ("manifest.json", a URL, a folder). Throws on the first bad field.
 */
export function parseManifest(json: unknown, where: string): ModelManifest {
  const r = new ManifestReader(where);
  const m = r.object(json, 'the manifest');
  const positiveInt = { integer: true, positive: true };

  const latentChannels = r.number(m.latentChannels, 'latentChannels', positiveInt);
  const imageSize = r.number(m.imageSize, 'imageSize', positiveInt);
  const vaeScaleFactor = r.number(m.vaeScaleFactor, 'vaeScaleFactor', positiveInt);
  if (imageSize % vaeScaleFactor !== 0) r.fail('imageSize', `is ${imageSize}; must be a multiple of vaeScaleFactor (${vaeScaleFactor})`);
  const te = r.object(m.textEncoder, 'textEncoder');
  const textEncoder = {
    ...r.fileEntry(te, 'textEncoder'),
    contextLength: r.number(te.contextLength, 'textEncoder.contextLength', positiveInt),
    hiddenSize: r.number(te.hiddenSize, 'textEncoder.hiddenSize', positiveInt),
    padTokenId: r.number(te.padTokenId, 'textEncoder.padTokenId', { integer: true, nonNegative: true }),
    ...(te.bosTokenId !== undefined && { bosTokenId: r.number(te.bosTokenId, 'textEncoder.bosTokenId', { integer: true }) }),
    ...(te.eosTokenId !== undefined && { eosTokenId: r.number(te.eosTokenId, 'textEncoder.eosTokenId', { integer: true }) }),
  };

  const u = r.object(m.unet, 'unet');
  const externalData = r.optional(u.externalData, (v) => {
    const o = r.object(v, 'unet.externalData');
    return { ...r.fileEntry(o, 'unet.externalData'), location: r.string(o.location, 'unet.externalData.location') };
  });
  const unet = {
    ...r.fileEntry(u, 'unet'),
    ...(u.timestepDtype !== undefined && { timestepDtype: r.oneOf(u.timestepDtype, 'unet.timestepDtype', TIMESTEP_DTYPES) }),
    ...(u.timestepShape !== undefined && {
      timestepShape: r.array(u.timestepShape, 'unet.timestepShape').map((d, i) => {
        if (typeof d !== 'string' && typeof d !== 'number') r.fail(`unet.timestepShape[${i}]`, `must be a dimension name or size, got ${JSON.stringify(d)}`);
        return d as string | number;
      }),
    }),
    ...(externalData && { externalData }),
  };

  const unetExternalData = r.optional(m.unetExternalData, (v) => {
    const o = r.object(v, 'unetExternalData');
    return { file: r.path(o.file, 'unetExternalData.file'), data: r.path(o.data, 'unetExternalData.data') };
  });
  const vaeDecoder = r.fileEntry(m.vaeDecoder, 'vaeDecoder');
  const vaeEncoder = r.optional(m.vaeEncoder, (v) => r.fileEntry(v, 'vaeEncoder'));
  if (m.taesd !== undefined) r.fail('taesd', 'is no longer read; list the decoder as "previewDecoder": {"file", "input", "output", "latentScaling"}');
  const previewDecoder = r.optional(m.previewDecoder, (v) => {
    const o = r.object(v, 'previewDecoder');
    const entry = {
      ...r.fileEntry(o, 'previewDecoder'),
      input: r.string(o.input, 'previewDecoder.input'),
      output: r.string(o.output, 'previewDecoder.output'),
      latentScaling: r.oneOf(o.latentScaling, 'previewDecoder.latentScaling', PREVIEW_LATENT_SCALINGS),
    };
    const outputRange =
      o.outputRange === undefined
        ? PREVIEW_OUTPUT_RANGES[0]
        : (PREVIEW_OUTPUT_RANGES.find((a) => JSON.stringify(a) === JSON.stringify(o.outputRange)) ??
          r.fail('previewDecoder.outputRange', `is ${JSON.stringify(o.outputRange)}; should be one of: ${PREVIEW_OUTPUT_RANGES.map((a) => JSON.stringify(a)).join(', ')}`));
    return { ...entry, outputRange };
  });
  const tokenizer = r.pathOrEntry(m.tokenizer, 'tokenizer');
  const scheduler = r.pathOrEntry(m.scheduler, 'scheduler');

  const s = r.object(m.sampler, 'sampler');
  const sampler = {
    name: r.oneOf(s.name, 'sampler.name', SCHEDULER_NAMES),
    steps: r.number(s.steps, 'sampler.steps', positiveInt),
    guidanceScale: r.number(s.guidanceScale, 'sampler.guidanceScale'),
  };

  const hooks = r.optional(m.hooks, (v) => r.array(v, 'hooks').map((h, i) => r.hook(h, `hooks[${i}]`)));
  if (hooks && hooks.filter((h) => h.default).length > 1) {
    r.fail('hooks', `mark ${hooks.filter((h) => h.default).map((h) => h.path).join(', ')} as default; at most one may be`);
  }

  const previewMatrix = r.optional(m.previewMatrix, (v) => {
    const rows = r.array(v, 'previewMatrix');
    if (rows.length !== 3) r.fail('previewMatrix', `has ${rows.length} rows; needs 3 (R, G, B)`);
    return rows.map((row, i) => {
      const cols = r.array(row, `previewMatrix[${i}]`);
      if (cols.length !== latentChannels + 1) r.fail(`previewMatrix[${i}]`, `has ${cols.length} columns; needs latentChannels + 1 = ${latentChannels + 1} (a weight per channel, then the bias)`);
      return cols.map((c, j) => r.number(c, `previewMatrix[${i}][${j}]`));
    });
  });

  const probe = r.optional(m.probe, (v) => {
    const o = r.object(v, 'probe');
    const range = r.array(o.inputRange, 'probe.inputRange');
    if (range.length !== 2) r.fail('probe.inputRange', `must be [low, high], got ${JSON.stringify(range)}`);
    const attrs = r.object(o.attributes, 'probe.attributes');
    return {
      file: r.path(o.file, 'probe.file'),
      input: r.string(o.input, 'probe.input'),
      inputRange: [r.number(range[0], 'probe.inputRange[0]'), r.number(range[1], 'probe.inputRange[1]')] as const,
      attributes: Object.fromEntries(
        Object.entries(attrs).map(([k, vals]) => [k, r.array(vals, `probe.attributes.${k}`).map((x, i) => r.string(x, `probe.attributes.${k}[${i}]`))]),
      ),
    };
  });

  const notes = r.optional(m.notes, (v) => r.array(v, 'notes').map((n, i) => r.string(n, `notes[${i}]`)));
  const huggingface = r.optional(m.huggingface, (v) => {
    const o = r.object(v, 'huggingface');
    return { repo: r.string(o.repo, 'huggingface.repo'), revision: r.string(o.revision, 'huggingface.revision') };
  });

  const entries: FileEntry[] = [textEncoder, unet, vaeDecoder, tokenizer, scheduler];
  if (externalData) entries.push(externalData);
  if (unetExternalData) entries.push({ file: unetExternalData.file }, { file: unetExternalData.data });
  if (vaeEncoder) entries.push(vaeEncoder);
  if (previewDecoder) entries.push(previewDecoder);
  if (probe) entries.push({ file: probe.file });
  const files: Record<string, FileEntry> = {};
  for (const e of entries) {
    const { file, bytes, sha256, url } = e;
    const entry = { file, ...(bytes !== undefined && { bytes }), ...(sha256 !== undefined && { sha256 }), ...(url !== undefined && { url }) };
    const seen = files[file];
    if (seen && JSON.stringify(seen) !== JSON.stringify(entry)) r.fail(`file "${file}"`, 'is listed twice with different bytes, sha256 or url');
    files[file] = entry;
  }

  return {
    name: r.string(m.name, 'name'),
    ...(m.description !== undefined && { description: r.string(m.description, 'description') }),
    imageSize,
    latentChannels,
    vaeScaleFactor,
    latentScale: r.number(m.latentScale, 'latentScale', { positive: true }),
    precision: m.precision === undefined ? 'fp32' : r.oneOf(m.precision, 'precision', PRECISIONS),
    ...(huggingface && { huggingface }),
    textEncoder,
    unet,
    ...(unetExternalData && { unetExternalData }),
    vaeDecoder,
    ...(vaeEncoder && { vaeEncoder }),
    ...(previewDecoder && { previewDecoder }),
    tokenizer: tokenizer.file,
    scheduler: scheduler.file,
    sampler,
    ...(hooks && { hooks }),
    ...(previewMatrix && { previewMatrix }),
    ...(probe && { probe }),
    ...(m.training !== undefined && { training: r.object(m.training, 'training') }),
    ...(m.parameters !== undefined && {
      parameters: Object.fromEntries(Object.entries(r.object(m.parameters, 'parameters')).map(([k, n]) => [k, r.number(n, `parameters.${k}`)])),
    }),
    ...(notes && { notes }),
    files,
  };
}

/** Paths of the files that must be ONNX ModelProto graphs (not weights, JSON or text). */
export function graphFiles(manifest: ModelManifest): Set<string> {
  const graphs = [manifest.textEncoder.file, manifest.unet.file, manifest.vaeDecoder.file];
  if (manifest.unetExternalData) graphs.push(manifest.unetExternalData.file);
  if (manifest.vaeEncoder) graphs.push(manifest.vaeEncoder.file);
  if (manifest.previewDecoder) graphs.push(manifest.previewDecoder.file);
  if (manifest.probe) graphs.push(manifest.probe.file);
  return new Set(graphs);
}

/** Every file a model needs for generation (loadDiffusionModel reads them all), UNet first (it is loaded first, into a still-empty wasm heap). */
export function modelFilePaths(manifest: ModelManifest): string[] {
  const { unet } = manifest;
  return [
    unet.file,
    ...(unet.externalData ? [unet.externalData.file] : []),
    manifest.textEncoder.file,
    manifest.vaeDecoder.file,
    ...(manifest.previewDecoder ? [manifest.previewDecoder.file] : []),
    manifest.tokenizer,
    manifest.scheduler,
  ];
}

/** The manifest's default hook path, if it marks one. */
export function defaultHook(manifest: ModelManifest): string | null {
  return manifest.hooks?.find((h) => h.default)?.path ?? null;
}
