/**
 * Reads a model folder's `manifest.json` into a ModelManifest (the contract,
 * in manifest-types.ts). `parseManifest` is the single validation: every
 * message names the bad field (`manifest.json: unet.file is missing`) and,
 * for enumerations, the allowed values. The embedded toy manifest
 * (public/models/toy/) is written by models/toy/export.py and parses unchanged.
 */
import { JsonFields } from '../data/json-fields';
import { PRECISIONS, PREVIEW_LATENT_SCALINGS, PREVIEW_OUTPUT_RANGES, TIMESTEP_DTYPES, type ExternalDataEntry, type FileEntry, type HookEntry, type ModelManifest } from './manifest-types';
import { SCHEDULER_NAMES } from './schedulers';

export {
  PRECISIONS,
  PREVIEW_LATENT_SCALINGS,
  PREVIEW_OUTPUT_RANGES,
  TIMESTEP_DTYPES,
  type ExternalDataEntry,
  type FileEntry,
  type HookEntry,
  type ModelManifest,
  type PreviewDecoderEntry,
} from './manifest-types';

/** The manifest's own kinds of field on top of the general JSON reads. */
class ManifestFields extends JsonFields {
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
}

/**
 * Validates a parsed manifest.json. `where` names it in messages
 * ("manifest.json", a URL, a folder). Throws on the first bad field.
 */
export function parseManifest(json: unknown, where: string): ModelManifest {
  const r = new ManifestFields(where);
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
  const externalDataEntry = (v: unknown, field: string) => {
    const o = r.object(v, field);
    return { ...r.fileEntry(o, field), location: r.string(o.location, `${field}.location`) };
  };
  const externalData = r.optional(u.externalData, (v) => externalDataEntry(v, 'unet.externalData'));
  const externalDataList = r.optional(u.externalDataFiles, (v) => {
    if (externalData) r.fail('unet.externalDataFiles', 'is given with unet.externalData; list one file in externalData or all in externalDataFiles');
    const list = r.array(v, 'unet.externalDataFiles').map((e, i) => externalDataEntry(e, `unet.externalDataFiles[${i}]`));
    if (list.length === 0) r.fail('unet.externalDataFiles', 'is an empty list; leave it out for a single-file UNet');
    const seen = new Set<string>();
    for (const e of list) {
      if (seen.has(e.location)) r.fail('unet.externalDataFiles', `name location "${e.location}" twice; each file's location must be the one its tensors name`);
      seen.add(e.location);
    }
    return list;
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
    ...(externalDataList && { externalDataFiles: externalDataList }),
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
  entries.push(...externalDataOf(unet));
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
    ...externalDataOf(unet).map((e) => e.file),
    manifest.textEncoder.file,
    manifest.vaeDecoder.file,
    ...(manifest.previewDecoder ? [manifest.previewDecoder.file] : []),
    manifest.tokenizer,
    manifest.scheduler,
  ];
}

/** The UNet's external-data files (empty for a single-file UNet), from `externalData` or `externalDataFiles`. */
export function externalDataOf(unet: ModelManifest['unet']): readonly ExternalDataEntry[] {
  return unet.externalDataFiles ?? (unet.externalData ? [unet.externalData] : []);
}

/** The manifest's default hook path, if it marks one. */
export function defaultHook(manifest: ModelManifest): string | null {
  return manifest.hooks?.find((h) => h.default)?.path ?? null;
}
