import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultHook, externalDataOf, graphFiles, modelFilePaths, parseManifest } from './manifest';
import { parseModelIndex } from './sources/model-index';

const publicModels = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'public', 'models');
const load = (name: string) => JSON.parse(readFileSync(join(publicModels, name, 'manifest.json'), 'utf8'));

/** The toy manifest with one edit, parsed. */
function parseEdited(edit: (m: Record<string, any>) => void) {
  const m = load('toy');
  edit(m);
  return () => parseManifest(m, 'manifest.json');
}

describe('parseManifest', () => {
  it('reads the toy manifest as export.py writes it', () => {
    const m = parseManifest(load('toy'), 'toy');
    expect(m.name).toBe('toy-sd');
    expect(m.precision).toBe('fp32');
    expect(m.textEncoder).toMatchObject({ file: 'text_encoder/model.onnx', contextLength: 77, hiddenSize: 64, padTokenId: 0, bosTokenId: 2, eosTokenId: 3 });
    expect(m.unet).toEqual({ file: 'unet/model.onnx', timestepDtype: 'int64', timestepShape: ['batch'] });
    expect(m.unetExternalData).toEqual({ file: 'unet_external/model.onnx', data: 'unet_external/model.onnx_data' });
    expect(m.tokenizer).toBe('tokenizer.json');
    expect(m.scheduler).toBe('scheduler_config.json');
    expect(m.hooks).toHaveLength(24);
    expect(defaultHook(m)).toBe('up_blocks.1.attentions.1');
    expect(m.probe?.attributes.shape).toEqual(['circle', 'square', 'triangle', 'cross']);
    expect(Object.keys(m.files).sort()).toEqual(
      ['probe/model.onnx', 'scheduler_config.json', 'taesd_decoder/model.onnx', 'text_encoder/model.onnx', 'tokenizer.json', 'unet/model.onnx', 'unet_external/model.onnx', 'unet_external/model.onnx_data', 'vae_decoder/model.onnx', 'vae_encoder/model.onnx'],
    );
    expect(graphFiles(m).has('unet_external/model.onnx_data')).toBe(false);
    expect(modelFilePaths(m)[0]).toBe('unet/model.onnx');
    expect(m.previewDecoder).toEqual({ file: 'taesd_decoder/model.onnx', input: 'latent_sample', output: 'sample', latentScaling: 'scaled', outputRange: [-1, 1] });
    expect(graphFiles(m).has('taesd_decoder/model.onnx')).toBe(true);
    expect(modelFilePaths(m)).toContain('taesd_decoder/model.onnx'); // the loader reads it, so cache status counts it
  });

  it.each(['sd15-nmkd-fp16', 'sd15-webnn'])('reads the shipped %s manifest: SD 1.5 geometry, CLIP padding, hook shapes at 512 px', (name) => {
    const m = parseManifest(load(name), name);
    expect(m).toMatchObject({ imageSize: 512, latentChannels: 4, vaeScaleFactor: 8, latentScale: 0.18215, precision: 'fp16' });
    expect(m.textEncoder).toMatchObject({ contextLength: 77, hiddenSize: 768, padTokenId: 49407 });
    expect(defaultHook(m)).toBe('up_blocks.1.attentions.1');
    const byPath = new Map(m.hooks!.map((h) => [h.path, h]));
    expect(byPath.get('up_blocks.1.attentions.1')).toMatchObject({ channels: 1280, height: 16, width: 16 });
    expect(byPath.get('down_blocks.0.resnets.0')).toMatchObject({ channels: 320, height: 64, width: 64 });
    expect(byPath.get('mid_block.attentions.0')).toMatchObject({ channels: 1280, height: 8, width: 8 });
    expect(byPath.get('up_blocks.3.attentions.2')).toMatchObject({ channels: 320, height: 64, width: 64 });
    expect(byPath.has('down_blocks.3.attentions.0')).toBe(false); // DownBlock2D has no attention
    expect(m.previewMatrix).toHaveLength(3);
    expect(m.huggingface?.repo).toMatch(/stable-diffusion/);
    expect(m.notes?.length).toBeGreaterThan(0);
  });

  it('pins the nmkd export: revision, external weights with their location, sizes and hashes, CLIP tokenizer URL', () => {
    const m = parseManifest(load('sd15-nmkd-fp16'), 'nmkd');
    expect(m.huggingface?.revision).toMatch(/^[0-9a-f]{40}$/);
    expect(m.unet.externalData).toMatchObject({ file: 'unet/weights.pb', location: 'weights.pb', bytes: 1718976000 });
    expect(m.files['unet/weights.pb'].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.files[m.tokenizer].url).toMatch(/^https:\/\/huggingface\.co\/openai\/clip-vit-large-patch14\/resolve\/[0-9a-f]{40}\/tokenizer\.json$/);
  });

  it.each<[string, (m: Record<string, any>) => void, string]>([
    ['a missing field', (m) => delete m.unet.file, 'manifest.json: unet.file is missing'],
    ['a wrong type', (m) => (m.imageSize = '64'), 'manifest.json: imageSize must be a number, got "64"'],
    ['an unknown precision', (m) => (m.precision = 'fp8'), 'manifest.json: precision is "fp8"; should be one of: fp32, fp16'],
    ['an unknown sampler', (m) => (m.sampler.name = 'dpm++'), 'manifest.json: sampler.name is "dpm++"; should be one of: ddim, euler, pndm'],
    ['an unknown timestep dtype', (m) => (m.unet.timestepDtype = 'int32'), 'manifest.json: unet.timestepDtype is "int32"; should be one of: int64, float32, float16'],
    ['a path leaving the folder', (m) => (m.vaeDecoder.file = '../x.onnx'), 'manifest.json: vaeDecoder.file is "../x.onnx"; must be a relative path like "unet/model.onnx" without "." or ".." segments'],
    ['a bad sha256', (m) => (m.unet.sha256 = 'ABC'), 'manifest.json: unet.sha256 is "ABC"; must be 64 lower-case hex digits'],
    ['external data without location', (m) => (m.unet.externalData = { file: 'unet/weights.pb' }), 'manifest.json: unet.externalData.location is missing'],
    ['a preview matrix of the wrong width', (m) => (m.previewMatrix = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]), 'manifest.json: previewMatrix[0] has 4 columns; needs latentChannels + 1 = 5 (a weight per channel, then the bias)'],
    ['two default hooks', (m) => (m.hooks[0].default = true), 'manifest.json: hooks mark down_blocks.0.resnets.0, up_blocks.1.attentions.1 as default; at most one may be'],
    ['a hook without channels', (m) => delete m.hooks[3].channels, 'manifest.json: hooks[3].channels is missing'],
    ['an image size the VAE cannot divide', (m) => (m.imageSize = 66), 'manifest.json: imageSize is 66; must be a multiple of vaeScaleFactor (4)'],
    ['a preview decoder without latentScaling', (m) => delete m.previewDecoder.latentScaling, 'manifest.json: previewDecoder.latentScaling is missing'],
    ['an unknown preview latent scaling', (m) => (m.previewDecoder.latentScaling = 'vae'), 'manifest.json: previewDecoder.latentScaling is "vae"; should be one of: scaled, unscaled'],
    ['a preview decoder without its input name', (m) => delete m.previewDecoder.input, 'manifest.json: previewDecoder.input is missing'],
    ['a preview decoder path leaving the folder', (m) => (m.previewDecoder.file = '/taesd.onnx'), 'manifest.json: previewDecoder.file is "/taesd.onnx"; must be a relative path'],
    ['an unknown preview output range', (m) => (m.previewDecoder.outputRange = [0, 255]), 'manifest.json: previewDecoder.outputRange is [0,255]; should be one of: [-1,1], [0,1]'],
    ['a preview decoder given as a bare path', (m) => (m.previewDecoder = 'taesd_decoder/model.onnx'), 'manifest.json: previewDecoder must be an object, got "taesd_decoder/model.onnx"'],
    ['the old taesd field', (m) => (m.taesd = { decoder: { file: 'taesd_decoder/model.onnx' } }), 'manifest.json: taesd is no longer read; list the decoder as "previewDecoder": {"file", "input", "output", "latentScaling"}'],
    ['one file described twice differently', (m) => (m.vaeEncoder = { file: 'vae_decoder/model.onnx', bytes: 5 }), 'manifest.json: file "vae_decoder/model.onnx" is listed twice with different bytes, sha256 or url'],
  ])('names the field for %s', (_, edit, message) => {
    expect(parseEdited(edit)).toThrow(message);
  });

  it('takes a UNet whose weights are many external-data files (fp32 exports: one file per tensor), each with size and optional sha256', () => {
    const data = [
      { file: 'unet/up_blocks.0.resnets.0.conv1.weight', location: 'up_blocks.0.resnets.0.conv1.weight', bytes: 117964800, sha256: 'a'.repeat(64) },
      { file: 'unet/onnx__MatMul_9001', location: 'onnx__MatMul_9001', bytes: 6553600 },
    ];
    const m = parseEdited((j) => (j.unet.externalDataFiles = data))();
    expect(m.unet.externalDataFiles).toEqual(data);
    expect(externalDataOf(m.unet)).toEqual(data);
    expect(m.files['unet/onnx__MatMul_9001']).toEqual({ file: 'unet/onnx__MatMul_9001', bytes: 6553600 });
    expect(modelFilePaths(m).slice(0, 3)).toEqual(['unet/model.onnx', ...data.map((d) => d.file)]);
    expect(graphFiles(m).has(data[0].file)).toBe(false);
    const one = parseManifest(load('sd15-nmkd-fp16'), 'nmkd');
    expect(externalDataOf(one.unet)).toEqual([one.unet.externalData]);
    expect(externalDataOf(parseManifest(load('toy'), 'toy').unet)).toEqual([]);
  });

  it.each<[string, (m: Record<string, any>) => void, string]>([
    ['a data file without location', (m) => (m.unet.externalDataFiles = [{ file: 'unet/a' }]), 'manifest.json: unet.externalDataFiles[0].location is missing'],
    ['a data file with a bad size', (m) => (m.unet.externalDataFiles = [{ file: 'unet/a', location: 'a', bytes: -1 }]), 'manifest.json: unet.externalDataFiles[0].bytes must be positive, got -1'],
    ['an empty list', (m) => (m.unet.externalDataFiles = []), 'manifest.json: unet.externalDataFiles is an empty list; leave it out for a single-file UNet'],
    ['a location twice', (m) => (m.unet.externalDataFiles = [{ file: 'unet/a', location: 'a' }, { file: 'unet/b', location: 'a' }]), 'manifest.json: unet.externalDataFiles name location "a" twice'],
    ['both forms', (m) => ((m.unet.externalData = { file: 'unet/w.pb', location: 'w.pb' }), (m.unet.externalDataFiles = [{ file: 'unet/a', location: 'a' }])), 'manifest.json: unet.externalDataFiles is given with unet.externalData'],
  ])('names the field for %s in a list of external-data files', (_, edit, message) => {
    expect(parseEdited(edit)).toThrow(message);
  });

  it('takes file entries with bytes, sha256 and url for tokenizer and scheduler too', () => {
    const m = parseEdited((j) => {
      j.tokenizer = { file: 'tokenizer/tokenizer.json', url: 'https://example.org/tokenizer.json', bytes: 10 };
      j.huggingface = { repo: 'a/b', revision: '0123456789012345678901234567890123456789' };
    })();
    expect(m.tokenizer).toBe('tokenizer/tokenizer.json');
    expect(m.files['tokenizer/tokenizer.json']).toEqual({ file: 'tokenizer/tokenizer.json', url: 'https://example.org/tokenizer.json', bytes: 10 });
  });
});

describe('public/models/index.json', () => {
  it('lists the toy model and both SD 1.5 exports, each with a manifest that parses', () => {
    const indexUrl = 'https://app.example/models/index.json';
    const entries = parseModelIndex(JSON.parse(readFileSync(join(publicModels, 'index.json'), 'utf8')), indexUrl);
    expect(entries.map((e) => e.id)).toEqual(['toy', 'sd15-nmkd-fp16', 'sd15-webnn']);
    expect(entries.filter((e) => e.bundled).map((e) => e.id)).toEqual(['toy']);
    for (const e of entries) {
      expect(e.manifestUrl).toBe(`https://app.example/models/${e.id}/manifest.json`);
      expect(parseManifest(load(e.id), e.id).precision).toBe(e.precision);
    }
  });
});
